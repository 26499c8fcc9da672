#include "latent_view.h"

LatentView::LatentView(LatentSlot slot, QWidget* parent) : ImageView(QString(), parent) {
  setSlot(slot);
  setCaptionLines(1);
  setToolTip(
      tr("The latent, the noise the image is drawn from, shown as a picture: each value v becomes "
         "the brightness (v + 3) / 6 of its colour channel, values beyond ±3 clipped. Noise of "
         "the right strength looks like even grey static; an inverted image often shows its "
         "outline."));
}

void LatentView::setSlot(LatentSlot slot) { setTitle(tr("Latent %1").arg(slotName(slot))); }

void LatentView::showLatent(const QImage& image, const QString& origin) { setImage(image, origin); }
