// The window's exports (PNG, filmstrip GIF and MP4, latent .npy) into a read-only folder and onto
// a full disk. Tests run as root, which a chmod'ed folder does not stop, so the outer test re-runs
// this binary for the inner test inside a private mount namespace (unshare -rm, as
// tests/cli_test.cpp does) with a small tmpfs mounted full or read-only.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>

#include "app_settings.h"
#include "image_view.h"
#include "main_window.h"
#include "sample_panel.h"
#include "test_util.h"
#include "tiny_model.h"
#include "window_test_util.h"

namespace {

using ddim_test::waitFor;

constexpr char kFaultDir[] = "DDIM_EXPORT_FAULT_DIR";      // the mounted folder
constexpr char kFaultCause[] = "DDIM_EXPORT_FAULT_CAUSE";  // the system's message expected
constexpr char kFaultOnly[] = "DDIM_EXPORT_FAULT_ONLY";    // one export's file name, or all

QStringList listing(const QString& folder) {
  return QDir(folder).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

// Runs only inside the namespace ExportFaultTest makes (skipped in the ordinary suite).
TEST(ExportFaultInner, EachExportFailsWithOneClearMessageAndTheWindowKeepsWorking) {
  const QString target = qEnvironmentVariable(kFaultDir);
  if (target.isEmpty()) GTEST_SKIP() << "run by ExportFaultTest inside a mount namespace";
  const QString cause = qEnvironmentVariable(kFaultCause);
  const QStringList before = listing(target);

  QTemporaryDir dir;  // outside the mount: the model, the settings, a folder that takes writes
  ASSERT_TRUE(dir.isValid());
  ddim_test::writeTinyModel(dir.filePath(QStringLiteral("tiny")).toStdString());
  const QString settingsPath = dir.filePath(QStringLiteral("settings.ini"));
  {
    AppSettings settings(settingsPath);
    settings.setValue(QStringLiteral("sample/steps"), 4);
    settings.setValue(QStringLiteral("interp/steps"), 3);
    settings.setValue(QStringLiteral("interp/cacheFrames"), 3);
    settings.setValue(QStringLiteral("interp/filmstripFrames"), 16);  // a video over one page
  }
  MainWindow w(ddim_test::tinyWindowOptions(settingsPath, dir.filePath(QStringLiteral("tiny"))));
  QString nextSave;
  FileDialogs dialogs;
  dialogs.saveFile = [&](QWidget*, const QString&, const QString&, const QString&) {
    return nextSave;
  };
  dialogs.confirmOverwrite = [](QWidget*, const QString&) { return true; };
  w.setFileDialogs(dialogs);
  w.show();
  ASSERT_TRUE(waitFor([&] { return w.modelLoaded() && !w.busy(); }));
  w.latentFromSeed(LatentSlot::kA, 1);
  w.latentFromSeed(LatentSlot::kB, 2);
  w.runSample();
  ASSERT_TRUE(waitFor([&] { return !w.busy(); }));
  ASSERT_FALSE(w.samplePanel()->resultView()->image().isNull());
  w.tabs()->setCurrentWidget(w.samplePanel());

  QSignalSpy written(&w, &MainWindow::fileWritten);
  struct Export {
    QString name;
    std::function<void()> start;
  };
  const Export exports[] = {
      {QStringLiteral("sample.png"), [&] { w.exportCurrent(); }},
      {QStringLiteral("latent.npy"), [&] { w.saveLatent(LatentSlot::kA); }},
      {QStringLiteral("path.gif"), [&] { w.exportFilmstrip(FilmstripFormat::kGif); }},
      {QStringLiteral("path.mp4"), [&] { w.exportFilmstrip(FilmstripFormat::kMp4); }},
  };
  const QString only = qEnvironmentVariable(kFaultOnly);
  for (const Export& e : exports) {
    if (!only.isEmpty() && e.name != only) continue;
    SCOPED_TRACE(e.name.toStdString());
    nextSave = QDir(target).filePath(e.name);
    e.start();
    EXPECT_TRUE(waitFor([&] { return !w.busy() && w.errorText().contains(nextSave); }, 60000))
        << "shown: " << w.errorText().toStdString();
    const QString message = w.errorText();
    std::cout << "shown: " << message.toStdString() << "\n";
    EXPECT_EQ(message.count(nextSave), 1) << message.toStdString();
    EXPECT_TRUE(message.contains(cause)) << message.toStdString();
    EXPECT_FALSE(message.contains(QStringLiteral("encoder"))) << message.toStdString();
    EXPECT_EQ(listing(target), before) << "a partial or temporary file is left";
    EXPECT_EQ(written.size(), 0);
  }

  // The window keeps working: a job runs and an export elsewhere is written.
  w.latentFromSeed(LatentSlot::kA, 3);
  w.runSample();
  ASSERT_TRUE(waitFor([&] { return !w.busy(); }));
  nextSave = dir.filePath(QStringLiteral("sample.png"));
  w.exportCurrent();
  ASSERT_EQ(written.size(), 1);
  EXPECT_EQ(written.at(0).at(0).toString(), nextSave);
  EXPECT_TRUE(QFile::exists(nextSave));
}

TEST(ExportFaultTest, ExportsIntoAReadOnlyFolderOrOntoAFullDiskLeaveNoPartialFile) {
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "unshare -rm is not allowed here";
  QTemporaryDir dir;
  ASSERT_TRUE(dir.isValid());
  const QString mnt = dir.filePath(QStringLiteral("mnt"));
  ASSERT_TRUE(QDir().mkpath(mnt));
  struct Case {
    QString setup, cause, only;
  };
  const QString fill =
      QStringLiteral("(head -c 1000000 /dev/zero >%1/fill 2>/dev/null || true)").arg(mnt);
  const Case cases[] = {
      {fill, QStringLiteral("No space left on device"), QString()},
      {QStringLiteral("mount -o remount,ro %1").arg(mnt), QStringLiteral("Read-only file system"),
       QString()},
      // One page free: the video's first write fits, the rest does not (OpenCV's writer reports
      // no error; the written file is found cut short).
      {fill + QStringLiteral(" && truncate -s -4096 %1/fill").arg(mnt),
       QStringLiteral("No space left on device"), QStringLiteral("path.mp4")},
  };
  const QString log = dir.filePath(QStringLiteral("inner.log"));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.setup.toStdString());
    const QString script =
        QStringLiteral(
            "mount -t tmpfs -o size=64k tmpfs %1 && %2 && %3='%1' %4='%5' %6='%7' '%8' "
            "--gtest_filter=ExportFaultInner.* >'%9' 2>&1")
            .arg(mnt, c.setup, QLatin1String(kFaultDir), QLatin1String(kFaultCause), c.cause,
                 QLatin1String(kFaultOnly), c.only, QCoreApplication::applicationFilePath(), log);
    const QByteArray command = "unshare -rm sh -c \"" + script.toLocal8Bit() + "\"";
    const int status = std::system(command.constData());
    QFile out(log);
    const QString output = out.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(out.readAll())
                                                         : QStringLiteral("(no output)");
    EXPECT_EQ(status, 0) << output.toStdString();
    EXPECT_TRUE(output.contains(QStringLiteral("[  PASSED  ] 1 test")) &&
                !output.contains(QStringLiteral("SKIPPED")))
        << output.toStdString();
  }
}

}  // namespace
