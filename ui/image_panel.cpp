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
  model_->setCaptionLines(2);
  input_->setCaptionLines(3);
  model_->setToolTip(tr("Centre-cropped to a square and resized to the model's resolution"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(input_, 1);
  layout->addWidget(model_, 1);
}

void ImagePanel::showImage(const ImageInfo& info) {
  hasImage_ = !info.original.isNull();
  QString caption =
      tr("%1\n%2 × %3").arg(info.name).arg(info.original.width()).arg(info.original.height());
  if (resolution_ > 0) caption += tr(" · the model sees %1 × %1").arg(resolution_);
  if (!info.note.isEmpty()) {  // core's note names the file first: the title says it already
    caption += QLatin1Char('\n') + info.note.mid(info.note.lastIndexOf(QStringLiteral(": ")) + 2);
  }
  input_->setImage(info.original, caption);
  input_->setToolTip(info.note.isEmpty() ? tr("The image as loaded") : info.note);
  if (info.modelView.isNull()) {
    model_->clear();
  } else {
    model_->setImage(
        info.modelView,
        tr("centre crop, %1 × %2 px").arg(info.modelView.width()).arg(info.modelView.height()));
  }
}

void ImagePanel::setModel(const QString& name, int resolution) {
  resolution_ = resolution;
  model_->setTitle(tr("Model sees %1 × %1").arg(resolution));
  model_->setPlaceholder(
      tr("The model %1 works at %2 × %2 pixels: an image is centre-cropped to a square and reduced "
         "to %2 × %2, and that is all the model sees of it")
          .arg(name)
          .arg(resolution));
  model_->setToolTip(
      tr("What the model sees: the image centre-cropped to a square and resized to %1 × %1 "
         "pixels, the model's resolution")
          .arg(resolution));
}
