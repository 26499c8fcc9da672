#pragma once

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QImage>
#include <QPainter>
#include <QTest>
#include <functional>

namespace ddim_test {

/// Processes events until `done()` holds or `ms` pass; returns whether it held.
inline bool waitFor(const std::function<bool()>& done, int ms = 30000) {
  QDeadlineTimer deadline(ms);
  while (!done()) {
    if (deadline.hasExpired()) return false;
    QTest::qWait(5);
  }
  return true;
}

/// A small picture: a red disc on a blue-to-white background, `w` x `h`.
inline QImage makePicture(int w = 40, int h = 30) {
  QImage image(w, h, QImage::Format_RGB32);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      image.setPixel(x, y, qRgb(40 + 200 * y / h, 90 + 160 * y / h, 230));
    }
  }
  QPainter p(&image);
  p.setRenderHint(QPainter::Antialiasing);
  p.setBrush(QColor(220, 40, 30));
  p.setPen(Qt::NoPen);
  p.drawEllipse(QPointF(w / 2.0, h / 2.0), h / 3.0, h / 3.0);
  return image;
}

}  // namespace ddim_test
