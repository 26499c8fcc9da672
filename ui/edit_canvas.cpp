#include "edit_canvas.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace {
constexpr QRgb kMaskOn = 0xffffffff;
constexpr QRgb kMaskOff = 0xff000000;

QString toolVerb(EditTool tool) {
  switch (tool) {
    case EditTool::kBrush:
      return QObject::tr("Brush");
    case EditTool::kEraser:
      return QObject::tr("Erase");
    case EditTool::kEyedropper:
      return QObject::tr("Pick colour");
    case EditTool::kMask:
      return QObject::tr("Paint mask");
    case EditTool::kMaskEraser:
      return QObject::tr("Erase mask");
  }
  return {};
}
}  // namespace

EditCanvas::EditCanvas(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setAccessibleName(tr("Edit canvas"));
  setCursor(Qt::CrossCursor);
  resizeToZoom();
}

CanvasState EditCanvas::freshState(const QImage& image) {
  CanvasState s;
  s.image = image.convertToFormat(QImage::Format_RGB32);
  s.original = s.image;
  s.mask = filledMask(s.image.size(), false);
  return s;
}

QImage EditCanvas::filledMask(const QSize& size, bool on) {
  QImage mask(size, QImage::Format_RGB32);
  mask.fill(on ? kMaskOn : kMaskOff);
  return mask;
}

QImage EditCanvas::invertedMask(const QImage& mask) {
  QImage out = mask.convertToFormat(QImage::Format_RGB32);
  out.invertPixels();
  return out;
}

void EditCanvas::setState(const CanvasState& state) {
  state_ = state;
  if (state_.mask.size() != state_.image.size()) {
    state_.mask = filledMask(state_.image.size(), false);
  }
  strokeStart_.reset();
  updateOverlay();
  resizeToZoom();
  update();
}

bool EditCanvas::hasMask() const {
  const QImage& m = state_.mask;
  for (int y = 0; y < m.height(); ++y) {
    const auto* row = reinterpret_cast<const QRgb*>(m.constScanLine(y));
    for (int x = 0; x < m.width(); ++x) {
      if (qGray(row[x]) >= 128) return true;
    }
  }
  return false;
}

void EditCanvas::setTool(EditTool tool) { tool_ = tool; }

void EditCanvas::setColor(const QColor& color) { color_ = color; }

void EditCanvas::setBrushSize(int pixels) {
  brushSize_ = std::clamp(pixels, 1, 256);
  update();
}

const QVector<double>& EditCanvas::zoomLevels() {
  static const QVector<double> levels = {0.25, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32};
  return levels;
}

void EditCanvas::setZoom(double zoom) {
  zoom_ = std::clamp(zoom, zoomLevels().front(), zoomLevels().back());
  resizeToZoom();
  update();
}

double EditCanvas::fitZoom(const QSize& area) const {
  if (state_.image.isNull()) return zoom_;
  const double scale = std::min(static_cast<double>(area.width()) / state_.image.width(),
                                static_cast<double>(area.height()) / state_.image.height());
  double best = zoomLevels().front();
  for (double level : zoomLevels()) {
    if (level <= scale) best = level;
  }
  return best;
}

void EditCanvas::setBeforeImage(const QImage& before) {
  before_ = before;
  update();
}

void EditCanvas::setShowBefore(bool on) {
  showBefore_ = on;
  update();
}

QSize EditCanvas::sizeHint() const {
  const QSize image = state_.image.isNull() ? QSize(32, 32) : state_.image.size();
  return QSize(static_cast<int>(std::lround(image.width() * zoom_)),
               static_cast<int>(std::lround(image.height() * zoom_)));
}

void EditCanvas::resizeToZoom() { setFixedSize(sizeHint()); }

QPointF EditCanvas::toImage(const QPointF& widgetPos) const { return widgetPos / zoom_; }

void EditCanvas::updateOverlay() {
  const QImage& m = state_.mask;
  overlay_ = QImage(m.size(), QImage::Format_ARGB32_Premultiplied);
  overlay_.fill(Qt::transparent);
  const QRgb red = qPremultiply(qRgba(230, 30, 40, 120));
  for (int y = 0; y < m.height(); ++y) {
    const auto* in = reinterpret_cast<const QRgb*>(m.constScanLine(y));
    auto* out = reinterpret_cast<QRgb*>(overlay_.scanLine(y));
    for (int x = 0; x < m.width(); ++x) {
      if (qGray(in[x]) >= 128) out[x] = red;
    }
  }
}

void EditCanvas::paintSegment(const QPointF& from, const QPointF& to) {
  const bool onMask = tool_ == EditTool::kMask || tool_ == EditTool::kMaskEraser;
  QImage& target = onMask ? state_.mask : state_.image;
  QBrush brush;
  switch (tool_) {
    case EditTool::kBrush:
      brush = QBrush(color_);
      break;
    case EditTool::kEraser:
      brush = QBrush(state_.original);  // a texture aligned with the image: paints it back
      break;
    case EditTool::kMask:
      brush = QBrush(QColor::fromRgb(kMaskOn));
      break;
    case EditTool::kMaskEraser:
      brush = QBrush(QColor::fromRgb(kMaskOff));
      break;
    case EditTool::kEyedropper:
      return;
  }
  QPainter p(&target);
  p.setRenderHint(QPainter::Antialiasing, false);  // whole pixels: the model sees every one
  if (brushSize_ <= 1) {
    p.setPen(QPen(brush, 1));
    p.drawLine(QPointF(std::floor(from.x()), std::floor(from.y())),
               QPointF(std::floor(to.x()), std::floor(to.y())));
  } else {
    p.setPen(QPen(brush, brushSize_, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    if (from == to) {
      p.drawPoint(from);
    } else {
      p.drawLine(from, to);
    }
  }
  p.end();
  if (onMask) updateOverlay();
  update();
}

void EditCanvas::pick(const QPointF& at) {
  const QPoint pixel(static_cast<int>(std::floor(at.x())), static_cast<int>(std::floor(at.y())));
  if (!state_.image.valid(pixel)) return;
  color_ = QColor::fromRgb(state_.image.pixel(pixel));
  Q_EMIT colorPicked(color_);
}

void EditCanvas::beginStroke(const QPointF& at) {
  if (state_.image.isNull()) return;
  if (tool_ == EditTool::kEyedropper) {
    pick(at);
    return;
  }
  strokeStart_ = state_;
  last_ = at;
  paintSegment(at, at);
}

void EditCanvas::continueStroke(const QPointF& to) {
  if (tool_ == EditTool::kEyedropper) {
    pick(to);
    return;
  }
  if (!strokeStart_) return;
  paintSegment(last_, to);
  last_ = to;
}

void EditCanvas::endStroke() {
  if (!strokeStart_) return;
  const CanvasState before = *strokeStart_;
  strokeStart_.reset();
  if (before.image == state_.image && before.mask == state_.mask) return;  // nothing changed
  Q_EMIT strokeFinished(before, toolVerb(tool_));
}

void EditCanvas::stroke(const QVector<QPointF>& points) {
  if (points.isEmpty()) return;
  beginStroke(points.front());
  for (qsizetype i = 1; i < points.size(); ++i) continueStroke(points[i]);
  endStroke();
}

void EditCanvas::paintEvent(QPaintEvent* /*event*/) {
  QPainter p(this);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // crisp model pixels
  if (state_.image.isNull()) {
    p.fillRect(rect(), palette().color(QPalette::Base).darker(106));
    return;
  }
  const QRect target = rect();
  const bool before = showBefore_;
  p.drawImage(target, !before ? state_.image : before_.isNull() ? state_.original : before_);
  if (!before) p.drawImage(target, overlay_);
  if (before) {
    p.setPen(Qt::white);
    p.drawText(rect().adjusted(6, 4, -6, -4), Qt::AlignLeft | Qt::AlignTop, tr("Before"));
  }
  if (hover_ && !before && tool_ != EditTool::kEyedropper) {
    const double r = brushSize_ * zoom_ / 2;
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 160), 1));
    p.drawEllipse(*hover_ * zoom_, r, r);
    p.setPen(QPen(QColor(255, 255, 255, 200), 1));
    p.drawEllipse(*hover_ * zoom_, r + 1, r + 1);
  }
}

void EditCanvas::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  setFocus(Qt::MouseFocusReason);
  beginStroke(toImage(event->position()));
}

void EditCanvas::mouseMoveEvent(QMouseEvent* event) {
  hover_ = toImage(event->position());
  if (event->buttons() & Qt::LeftButton) {
    continueStroke(*hover_);
  } else {
    update();
  }
}

void EditCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mouseReleaseEvent(event);
  endStroke();
}

void EditCanvas::leaveEvent(QEvent* event) {
  hover_.reset();
  update();
  QWidget::leaveEvent(event);
}

void EditCanvas::wheelEvent(QWheelEvent* event) {
  const int steps = event->angleDelta().y() / 120;
  if (steps == 0) return event->ignore();
  Q_EMIT wheelZoom(steps, toImage(event->position()));
  event->accept();
}

void EditCanvas::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Backslash) {
    if (!event->isAutoRepeat()) setShowBefore(true);
    return;
  }
  QWidget::keyPressEvent(event);
}

void EditCanvas::keyReleaseEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Backslash) {
    if (!event->isAutoRepeat()) setShowBefore(false);
    return;
  }
  QWidget::keyReleaseEvent(event);
}
