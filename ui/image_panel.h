#pragma once

#include <QWidget>

#include "worker_types.h"

class ImageView;
class QLabel;

/// The loaded image above what the model sees of it (centre-cropped, resized), saying at which
/// size the model works.
class ImagePanel : public QWidget {
  Q_OBJECT

 public:
  explicit ImagePanel(QWidget* parent = nullptr);

  void showImage(const ImageInfo& info);
  /// The loaded model works at `resolution` x `resolution` pixels.
  void setModel(const QString& name, int resolution);
  [[nodiscard]] bool hasImage() const { return hasImage_; }
  [[nodiscard]] ImageView* inputView() const { return input_; }
  [[nodiscard]] ImageView* modelView() const { return model_; }

 private:
  ImageView* input_ = nullptr;
  ImageView* model_ = nullptr;
  bool hasImage_ = false;
  int resolution_ = 0;  // 0 until a model is loaded
};
