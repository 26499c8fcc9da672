#pragma once

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QVector>

/// A small animated GIF89a encoder (Qt 6.4 reads GIF but cannot write it): one global palette
/// of up to 256 colours (the exact colours when there are few enough, else median cut over all
/// frames), LZW-compressed frames and a NETSCAPE2.0 loop extension.
class GifWriter {
 public:
  /// Frames must all have the size of the first. `delayMs` is rounded to 1/100 s;
  /// `loopCount` 0 loops forever.
  [[nodiscard]] static QByteArray encode(const QVector<QImage>& frames, int delayMs,
                                         int loopCount = 0);
  /// encode() written atomically with QSaveFile; false with `error` set when it cannot be.
  static bool write(const QString& path, const QVector<QImage>& frames, int delayMs, QString* error,
                    int loopCount = 0);

  /// Up to `maxColours` colours representing the pixels of `frames` (median cut).
  [[nodiscard]] static QVector<QRgb> buildPalette(const QVector<QImage>& frames, int maxColours);
  /// LZW data of colour indices (GIF variant: variable code size, clear and end codes), without
  /// the sub-block framing.
  [[nodiscard]] static QByteArray lzwEncode(const QByteArray& indices, int minCodeSize);
};
