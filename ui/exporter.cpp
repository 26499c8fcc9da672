#include "exporter.h"

#include <QDir>
#include <QFileInfo>
#include <QWidget>

#include "app_settings.h"
#include "gif_writer.h"
#include "image_export.h"

namespace {
constexpr int kGifFrameMs = 120;
constexpr int kGifMinSize = 128;  // model images are small: enlarge GIF frames to be seen
}  // namespace

Exporter::Exporter(QWidget* parent, AppSettings& settings)
    : QObject(parent), parent_(parent), settings_(settings), dialogs_(FileDialogs::native()) {}

QString Exporter::askSavePath(const QString& title, const QString& suggestedName,
                              const QString& filter, const QString& extension) {
  const QString dir = settings_.value(QStringLiteral("export/dir"), QDir::homePath()).toString();
  QString path = dialogs_.saveFile(parent_, title, QDir(dir).filePath(suggestedName), filter);
  if (path.isEmpty()) return {};
  if (!path.endsWith(extension, Qt::CaseInsensitive)) path += extension;
  if (QFileInfo::exists(path) && !dialogs_.confirmOverwrite(parent_, path)) return {};
  settings_.setValue(QStringLiteral("export/dir"), QFileInfo(path).absolutePath());
  return path;
}

bool Exporter::exportPng(const QImage& image, const QString& suggestedName) {
  if (image.isNull()) {
    Q_EMIT failed(tr("Nothing to export yet on this tab"));
    return false;
  }
  const QString path = askSavePath(tr("Export PNG"), suggestedName, tr("PNG images (*.png)"),
                                   QStringLiteral(".png"));
  return !path.isEmpty() && writePng(path, image);
}

bool Exporter::writePng(const QString& path, const QImage& image) {
  QString error;
  if (!writePngAtomic(path, image, &error)) {
    Q_EMIT failed(tr("Cannot write %1: %2").arg(path, error));
    return false;
  }
  Q_EMIT written(path);
  return true;
}

bool Exporter::writeFilmstrip(const FilmstripResult& result) {
  if (!result.path.endsWith(QStringLiteral(".gif"), Qt::CaseInsensitive)) {
    return writePng(result.path, makeFilmstrip(result.frames));
  }
  QString error;
  if (!GifWriter::write(result.path, enlargeFrames(result.frames, kGifMinSize), kGifFrameMs,
                        &error)) {
    Q_EMIT failed(tr("Cannot write %1: %2").arg(result.path, error));
    return false;
  }
  Q_EMIT written(result.path);
  return true;
}
