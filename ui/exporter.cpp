#include "exporter.h"

#include <QDir>
#include <QFileInfo>
#include <QWidget>
#include <exception>
#include <vector>

#include "app_settings.h"
#include "gif_writer.h"
#include "image_export.h"
#include "io/video.h"
#include "qt_tensor.h"

namespace {
constexpr int kFrameMs = 120;  // GIF and video: about 8 frames a second
constexpr int kMinSize = 128;  // model images are small: enlarge animation frames to be seen
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

QString Exporter::askFilmstripPath(FilmstripFormat format) {
  switch (format) {
    case FilmstripFormat::kGif:
      return askSavePath(tr("Export Animated GIF"), QStringLiteral("interpolation.gif"),
                         tr("GIF images (*.gif)"), QStringLiteral(".gif"));
    case FilmstripFormat::kMp4:
      return askSavePath(tr("Export Video"), QStringLiteral("interpolation.mp4"),
                         tr("MP4 videos (*.mp4)"), QStringLiteral(".mp4"));
    case FilmstripFormat::kPng:
      break;
  }
  return askSavePath(tr("Export Filmstrip"), QStringLiteral("filmstrip.png"),
                     tr("PNG images (*.png)"), QStringLiteral(".png"));
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
  const QString suffix = QFileInfo(result.path).suffix().toLower();
  if (suffix == QLatin1String("gif")) return writeGif(result.path, result.frames);
  if (suffix == QLatin1String("mp4")) return writeMp4(result.path, result.frames);
  return writePng(result.path, makeFilmstrip(result.frames));
}

bool Exporter::writeGif(const QString& path, const QVector<QImage>& frames) {
  QString error;
  if (!GifWriter::write(path, enlargeFrames(frames, kMinSize), kFrameMs, &error)) {
    Q_EMIT failed(tr("Cannot write %1: %2").arg(path, error));
    return false;
  }
  Q_EMIT written(path);
  return true;
}

bool Exporter::writeMp4(const QString& path, const QVector<QImage>& frames) {
  if (frames.isEmpty()) {
    Q_EMIT failed(tr("Cannot write %1: there are no frames").arg(path));
    return false;
  }
  std::vector<ddim::Rgb8Image> rgb;
  for (const QImage& frame : frames) rgb.push_back(rgb8FromQImage(frame));
  try {
    ddim::writeVideo(path.toStdString(), rgb, /*fps=*/1000.0 / kFrameMs,
                     enlargement(frames.front().width(), kMinSize));
  } catch (const std::exception& e) {
    Q_EMIT failed(tr("Cannot export the video: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  Q_EMIT written(path);
  return true;
}
