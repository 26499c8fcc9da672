#pragma once

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QVector>

/// Animated GIF89a through giflib (Qt reads GIF but cannot write it): one global palette of up
/// to 256 colours (the exact colours when there are few enough, else median cut over all
/// frames, each pixel mapped to its nearest entry), a delay per frame and a NETSCAPE2.0 loop
/// extension.
class GifWriter {
 public:
  /// Frames must all have the size of the first. `delayMs` is rounded to 1/100 s;
  /// `loopCount` 0 loops forever. Empty when there are no frames or giflib fails.
  [[nodiscard]] static QByteArray encode(const QVector<QImage>& frames, int delayMs,
                                         int loopCount = 0);
  /// Encodes and writes atomically with QSaveFile; false with `error` set when it cannot.
  static bool write(const QString& path, const QVector<QImage>& frames, int delayMs, QString* error,
                    int loopCount = 0);

  /// Up to `maxColours` colours representing the pixels of `frames` (median cut).
  [[nodiscard]] static QVector<QRgb> buildPalette(const QVector<QImage>& frames, int maxColours);
};
