#pragma once

// What the tests that drive the real main window share: its options on the tiny model and waiting
// for a job to end.

#include <QSignalSpy>
#include <QString>
#include <functional>

#include "main_window.h"
#include "test_util.h"
#include "worker_types.h"

namespace ddim_test {

/// A main window on the model in `modelFolder` (empty: none), on the CPU with one network thread
/// (the tiny model gains nothing from more; steadier on a busy machine), settings in
/// `settingsPath`.
inline MainWindowOptions tinyWindowOptions(const QString& settingsPath,
                                           const QString& modelFolder) {
  MainWindowOptions options;
  options.device = QStringLiteral("cpu");
  options.threads = 1;
  options.settingsPath = settingsPath;
  if (!modelFolder.isEmpty()) {
    ModelRequest model;
    model.folder = modelFolder;
    options.model = model;
  }
  return options;
}

/// Calls `start`, then waits up to `ms` for `window` to report the end of a job of `kind`;
/// whether that job succeeded.
inline bool runWindowJob(MainWindow& window, JobKind kind, const std::function<void()>& start,
                         int ms = 30000) {
  QSignalSpy ended(&window, &MainWindow::jobEnded);
  start();
  int found = -1;
  waitFor(
      [&] {
        for (int i = 0; i < ended.size(); ++i) {
          if (ended.at(i).at(0).value<JobKind>() == kind) found = i;
        }
        return found >= 0;
      },
      ms);
  return found >= 0 && ended.at(found).at(1).toBool();
}

}  // namespace ddim_test
