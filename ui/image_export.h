#pragma once

#include <QImage>
#include <QString>
#include <QVector>

// Image files the window writes. Every write goes through QSaveFile: a reader never sees a
// half-written file and a failed write leaves an existing file untouched.

/// Writes `image` as PNG atomically; false with `error` set on failure.
bool writePngAtomic(const QString& path, const QImage& image, QString* error);

/// Frames side by side in one row, `gap` pixels apart on white.
[[nodiscard]] QImage makeFilmstrip(const QVector<QImage>& frames, int gap = 2);

/// The smallest whole factor that makes an image `width` pixels wide at least `minSize` wide.
[[nodiscard]] int enlargement(int width, int minSize);

/// Enlarges frames by enlargement(width, minSize) (nearest-neighbour, so model pixels stay
/// sharp).
[[nodiscard]] QVector<QImage> enlargeFrames(const QVector<QImage>& frames, int minSize);
