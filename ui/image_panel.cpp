#include "image_panel.h"

#include <QVBoxLayout>

#include "image_view.h"

ImagePanel::ImagePanel(QWidget* parent) : QWidget(parent) {
  input_ = new ImageView(tr("Input"), this);
  input_->setPlaceholder(
      tr("Open an image (Ctrl+O), drop one here, paste one (Ctrl+V) or pick File > Sample Images"));
  input_->setToolTip(tr("The image as loaded"));
  model_ = new ImageView(tr("Model sees"), this);
  model_->setPlaceholder(tr("The centre crop at the model's resolution"));
  model_->setToolTip(tr("Centre-cropped to a square and resized to the model's resolution"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(input_, 1);
  layout->addWidget(model_, 1);
}

void ImagePanel::showImage(const ImageInfo& info) {
  hasImage_ = !info.original.isNull();
  input_->setImage(
      info.original,
      tr("%1\n%2 × %3").arg(info.name).arg(info.original.width()).arg(info.original.height()));
  if (info.modelView.isNull()) {
    model_->clear();
  } else {
    model_->setImage(info.modelView,
                     tr("%1 × %2").arg(info.modelView.width()).arg(info.modelView.height()));
  }
}
