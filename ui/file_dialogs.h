#pragma once

#include <QString>
#include <functional>

class QWidget;

/// The file questions the window asks, as replaceable functions: the defaults are Qt's dialogs;
/// tests and the scripted demo answer them without a modal dialog.
struct FileDialogs {
  std::function<QString(QWidget* parent, const QString& title, const QString& filter)> openFile;
  std::function<QString(QWidget* parent, const QString& title)> openFolder;
  /// Returns the chosen path (without asking about replacing it: confirmOverwrite does).
  std::function<QString(QWidget* parent, const QString& title, const QString& suggested,
                        const QString& filter)>
      saveFile;
  /// Asked whenever the chosen path exists already.
  std::function<bool(QWidget* parent, const QString& path)> confirmOverwrite;

  [[nodiscard]] static FileDialogs native();
};
