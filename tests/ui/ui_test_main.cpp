// GoogleTest main for the GUI tests: a QApplication on the offscreen platform.
#include <gtest/gtest.h>

#include <QApplication>

#include "qt_image_decoder.h"

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  ::testing::InitGoogleTest(&argc, argv);
  QApplication app(argc, argv);
  installQtImageDecoder();  // as the application does
  QApplication::setOrganizationName(QStringLiteral("ddim-studio-tests"));
  QApplication::setApplicationName(QStringLiteral("ddim-studio-tests"));
  return RUN_ALL_TESTS();
}
