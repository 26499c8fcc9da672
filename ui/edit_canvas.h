#pragma once

#include <QColor>
#include <QImage>
#include <QPointF>
#include <QVector>
#include <QWidget>
#include <optional>

/// What the Edit tab's undo history records: the image, its regeneration mask and the original
/// the eraser paints back, all at the model's resolution.
struct CanvasState {
  QImage image;     // Format_RGB32
  QImage mask;      // Format_RGB32, white = regenerate, black = keep
  QImage original;  // Format_RGB32, what the eraser restores
};

enum class EditTool { kBrush, kEraser, kEyedropper, kMask, kMaskEraser };

/// The Edit tab's canvas: the image shown large at a zoom factor with crisp (nearest-neighbour)
/// pixels, the mask as a red overlay, the brush outline under the pointer. Strokes paint with the
/// current tool in image pixels; each finished stroke is reported with the state before it, for
/// the undo stack. Holding Backslash (or setShowBefore) shows the "before" image instead.
class EditCanvas : public QWidget {
  Q_OBJECT

 public:
  explicit EditCanvas(QWidget* parent = nullptr);

  /// Replaces the whole state (image, mask, original); the mask must match the image's size.
  void setState(const CanvasState& state);
  [[nodiscard]] CanvasState state() const { return state_; }
  [[nodiscard]] const QImage& image() const { return state_.image; }
  [[nodiscard]] const QImage& mask() const { return state_.mask; }
  [[nodiscard]] bool hasImage() const { return !state_.image.isNull(); }
  /// Whether some pixel of the mask is set (an edit then regenerates that region only).
  [[nodiscard]] bool hasMask() const;

  /// A state holding `image` (converted to RGB32) as both image and original, with an empty mask.
  [[nodiscard]] static CanvasState freshState(const QImage& image);
  /// The mask with every pixel set, or none, or each flipped.
  [[nodiscard]] static QImage filledMask(const QSize& size, bool on);
  [[nodiscard]] static QImage invertedMask(const QImage& mask);

  void setTool(EditTool tool);
  [[nodiscard]] EditTool tool() const { return tool_; }
  void setColor(const QColor& color);
  [[nodiscard]] QColor color() const { return color_; }
  /// Brush diameter in image pixels, 1..256.
  void setBrushSize(int pixels);
  [[nodiscard]] int brushSize() const { return brushSize_; }

  /// Screen pixels per image pixel.
  void setZoom(double zoom);
  [[nodiscard]] double zoom() const { return zoom_; }
  /// The zoom steps the canvas offers: whole factors from 1 up keep pixels square and crisp.
  [[nodiscard]] static const QVector<double>& zoomLevels();
  /// The largest zoom level at which the image fits in `area`.
  [[nodiscard]] double fitZoom(const QSize& area) const;

  /// Shows `before` (null: the original) in place of the image while `on` (before/after).
  void setBeforeImage(const QImage& before);
  void setShowBefore(bool on);
  [[nodiscard]] bool showingBefore() const { return showBefore_; }

  /// Paints one stroke through `points` (image pixel coordinates) with the current tool, as a
  /// mouse drag does: emits strokeFinished when it changed something (colorPicked for the
  /// eyedropper).
  void stroke(const QVector<QPointF>& points);

  [[nodiscard]] QSize sizeHint() const override;

 Q_SIGNALS:
  /// A stroke changed the canvas; `before` is the state it started from.
  void strokeFinished(const CanvasState& before, const QString& description);
  void colorPicked(const QColor& color);
  /// The wheel turned over the canvas: `steps` zoom steps (+ in), about image point `at`.
  void wheelZoom(int steps, const QPointF& at);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;

 private:
  [[nodiscard]] QPointF toImage(const QPointF& widgetPos) const;
  void beginStroke(const QPointF& at);
  void continueStroke(const QPointF& to);
  void endStroke();
  void paintSegment(const QPointF& from, const QPointF& to);
  void pick(const QPointF& at);
  void updateOverlay();
  void resizeToZoom();

  CanvasState state_;
  QImage overlay_;  // the mask as translucent red, ARGB32 premultiplied
  QImage before_;
  EditTool tool_ = EditTool::kBrush;
  QColor color_ = QColor(250, 205, 40);
  int brushSize_ = 4;
  double zoom_ = 8;
  bool showBefore_ = false;
  std::optional<CanvasState> strokeStart_;
  QPointF last_;
  std::optional<QPointF> hover_;
};
