#pragma once

#include <QImage>
#include <QObject>

#include "file_dialogs.h"
#include "worker_types.h"

class AppSettings;
class QWidget;

/// How the window writes files: asks where (never replacing a file without asking), writes
/// atomically (QSaveFile), and reports what was written or why it could not be.
class Exporter : public QObject {
  Q_OBJECT

 public:
  Exporter(QWidget* parent, AppSettings& settings);

  void setDialogs(const FileDialogs& dialogs) { dialogs_ = dialogs; }
  [[nodiscard]] const FileDialogs& dialogs() const { return dialogs_; }

  /// Asks for a path ending in `extension`; empty when the person declines.
  [[nodiscard]] QString askSavePath(const QString& title, const QString& suggestedName,
                                    const QString& filter, const QString& extension);
  /// Asks where a filmstrip goes in `format` (.png, .gif or .mp4); empty when declined.
  [[nodiscard]] QString askFilmstripPath(FilmstripFormat format);
  /// Asks where, then writes `image` as PNG.
  bool exportPng(const QImage& image, const QString& suggestedName);
  bool writePng(const QString& path, const QImage& image);
  /// Writes rendered filmstrip frames by the path's extension: an animated GIF (.gif), an MP4
  /// video (.mp4), else a PNG strip.
  bool writeFilmstrip(const FilmstripResult& result);

 Q_SIGNALS:
  void written(const QString& path);
  void failed(const QString& message);

 private:
  bool writeGif(const QString& path, const QVector<QImage>& frames);
  bool writeMp4(const QString& path, const QVector<QImage>& frames);

  QWidget* parent_;
  AppSettings& settings_;
  FileDialogs dialogs_;
};
