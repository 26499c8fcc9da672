#include "image_export.h"

#include <QImageWriter>
#include <QObject>
#include <QPainter>
#include <QSaveFile>
#include <algorithm>

bool writePngAtomic(const QString& path, const QImage& image, QString* error) {
  if (image.isNull()) {
    if (error) *error = QObject::tr("there is no image to write");
    return false;
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = file.errorString();
    return false;
  }
  QImageWriter writer(&file, "png");
  if (!writer.write(image)) {
    // A failed write to the file (full disk) is the file's error, not the encoder's.
    if (error)
      *error = file.error() != QFileDevice::NoError ? file.errorString() : writer.errorString();
    file.cancelWriting();
    return false;
  }
  // QSaveFile::commit() misses a failed write of its buffer (a full disk): flush first.
  if (!file.flush()) {
    if (error) *error = file.errorString();
    file.cancelWriting();
    return false;
  }
  if (!file.commit()) {
    if (error) *error = file.errorString();
    return false;
  }
  return true;
}

QImage makeFilmstrip(const QVector<QImage>& frames, int gap) {
  if (frames.isEmpty()) return {};
  const QSize size = frames.front().size();
  const int n = static_cast<int>(frames.size());
  QImage strip(n * size.width() + (n - 1) * gap, size.height(), QImage::Format_RGB888);
  strip.fill(Qt::white);
  QPainter p(&strip);
  for (int i = 0; i < n; ++i) p.drawImage(i * (size.width() + gap), 0, frames[i]);
  return strip;
}

int enlargement(int width, int minSize) {
  return std::max(1, (minSize + width - 1) / std::max(1, width));
}

QVector<QImage> enlargeFrames(const QVector<QImage>& frames, int minSize) {
  QVector<QImage> out;
  for (const QImage& f : frames) {
    const int scale = enlargement(f.width(), minSize);
    out.push_back(
        scale == 1 ? f : f.scaled(f.size() * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation));
  }
  return out;
}
