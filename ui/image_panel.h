#pragma once

#include <QWidget>

#include "worker_types.h"

class ImageView;
class QLabel;

/// The loaded image next to what the model sees of it (centre-cropped, resized).
class ImagePanel : public QWidget {
  Q_OBJECT

 public:
  explicit ImagePanel(QWidget* parent = nullptr);

  void showImage(const ImageInfo& info);
  [[nodiscard]] bool hasImage() const { return hasImage_; }
  [[nodiscard]] ImageView* inputView() const { return input_; }
  [[nodiscard]] ImageView* modelView() const { return model_; }

 private:
  ImageView* input_ = nullptr;
  ImageView* model_ = nullptr;
  bool hasImage_ = false;
};
