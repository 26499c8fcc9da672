#pragma once

#include <QImage>
#include <QString>
#include <QWidget>

/// Shows one image scaled to fit, with a caption under it. Small model images (32 px) are
/// enlarged by whole factors with nearest-neighbour so their pixels stay crisp.
class ImageView : public QWidget {
  Q_OBJECT

 public:
  explicit ImageView(const QString& title, QWidget* parent = nullptr);

  void setImage(const QImage& image, const QString& caption = {});
  void setCaption(const QString& caption);
  /// Shown in place of the image while there is none.
  void setPlaceholder(const QString& text);
  void clear();
  /// Reserves room for this many caption lines, so a row of views keeps its images aligned.
  void setCaptionLines(int lines);

  [[nodiscard]] const QImage& image() const { return image_; }
  [[nodiscard]] QString caption() const { return caption_; }
  [[nodiscard]] QString title() const { return title_; }
  void setTitle(const QString& title);
  [[nodiscard]] QString placeholder() const { return placeholder_; }
  [[nodiscard]] QSize sizeHint() const override;
  [[nodiscard]] QSize minimumSizeHint() const override;

 Q_SIGNALS:
  /// After a paint that showed the current image (used to measure on-screen latency).
  void painted();
  void clicked();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  [[nodiscard]] QRect imageRect(const QRect& area) const;

  QString title_;
  QString caption_;
  QString placeholder_;
  QImage image_;
  int captionLines_ = 0;
};
