#include "image_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

ImageView::ImageView(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setAccessibleName(title);
}

void ImageView::setImage(const QImage& image, const QString& caption) {
  image_ = image;
  caption_ = caption;
  update();
}

void ImageView::setCaption(const QString& caption) {
  caption_ = caption;
  update();
}

void ImageView::setTitle(const QString& title) {
  title_ = title;
  setAccessibleName(title);
  update();
}

void ImageView::setPlaceholder(const QString& text) {
  placeholder_ = text;
  update();
}

void ImageView::clear() { setImage({}, {}); }

void ImageView::setCaptionLines(int lines) {
  captionLines_ = lines;
  update();
}

QSize ImageView::sizeHint() const { return {200, 230}; }

QSize ImageView::minimumSizeHint() const { return {96, 120}; }

QRect ImageView::imageRect(const QRect& area) const {
  if (image_.isNull() || area.isEmpty()) return {};
  const QSize size = image_.size();
  double scale = std::min(static_cast<double>(area.width()) / size.width(),
                          static_cast<double>(area.height()) / size.height());
  if (scale >= 1.0) scale = std::floor(scale);  // whole factors keep pixel art crisp
  const QSize shown(std::max(1, static_cast<int>(size.width() * scale)),
                    std::max(1, static_cast<int>(size.height() * scale)));
  return QRect(area.x() + (area.width() - shown.width()) / 2,
               area.y() + (area.height() - shown.height()) / 2, shown.width(), shown.height());
}

void ImageView::paintEvent(QPaintEvent* /*event*/) {
  QPainter p(this);
  const QFontMetrics fm = fontMetrics();
  const int lineH = fm.height();
  const QRect titleRect(0, 0, width(), lineH + 4);
  const int captionLines =
      std::max(captionLines_, caption_.isEmpty() ? 0 : static_cast<int>(caption_.count('\n')) + 1);
  const QRect captionRect(0, height() - captionLines * lineH - 4, width(),
                          captionLines * lineH + 4);
  const QRect area =
      QRect(4, titleRect.bottom() + 2, width() - 8, captionRect.top() - titleRect.bottom() - 4);

  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.drawText(titleRect, Qt::AlignCenter, title_);
  p.setFont(font());

  p.fillRect(area, palette().color(QPalette::Base).darker(106));
  if (image_.isNull()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(area.adjusted(6, 6, -6, -6), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
  } else {
    const QRect r = imageRect(area);
    const bool enlarged = r.width() >= 2 * image_.width();
    p.setRenderHint(QPainter::SmoothPixmapTransform, !enlarged);
    p.drawImage(r, image_);
  }
  if (captionLines > 0) {
    p.setPen(palette().color(QPalette::WindowText));
    QStringList lines = caption_.split(QLatin1Char('\n'));
    for (QString& line : lines) line = fm.elidedText(line, Qt::ElideRight, width() - 4);
    p.drawText(captionRect, Qt::AlignHCenter | Qt::AlignTop, lines.join(QLatin1Char('\n')));
  }
  if (!image_.isNull()) Q_EMIT painted();
}

void ImageView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) Q_EMIT clicked();
  QWidget::mouseReleaseEvent(event);
}
