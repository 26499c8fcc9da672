#include "file_dialogs.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>

FileDialogs FileDialogs::native() {
  FileDialogs d;
  d.openFile = [](QWidget* parent, const QString& title, const QString& filter) {
    return QFileDialog::getOpenFileName(parent, title, QString(), filter);
  };
  d.openFolder = [](QWidget* parent, const QString& title) {
    return QFileDialog::getExistingDirectory(parent, title);
  };
  d.saveFile = [](QWidget* parent, const QString& title, const QString& suggested,
                  const QString& filter) {
    // The window asks about replacing itself (also for names it completes with an extension).
    return QFileDialog::getSaveFileName(parent, title, suggested, filter, nullptr,
                                        QFileDialog::DontConfirmOverwrite);
  };
  d.confirmOverwrite = [](QWidget* parent, const QString& path) {
    return QMessageBox::question(
               parent, QObject::tr("Replace file?"),
               QObject::tr("%1 already exists. Replace it?").arg(QFileInfo(path).fileName())) ==
           QMessageBox::Yes;
  };
  return d;
}
