#pragma once

#include "image_view.h"
#include "worker_types.h"

/// A latent drawn as a picture the same way wherever it appears (the Invert tab and the Latents
/// tab): core's visualiseLatent image, titled by its slot, captioned by where it came from, with
/// one tooltip that says how to read it.
class LatentView : public ImageView {
  Q_OBJECT

 public:
  LatentView(LatentSlot slot, QWidget* parent = nullptr);

  void setSlot(LatentSlot slot);
  /// `image`: ddim::visualiseLatent's picture of the latent; `origin`: "seed 3", "inverted …".
  void showLatent(const QImage& image, const QString& origin);
};
