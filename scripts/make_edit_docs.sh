#!/bin/sh
# Makes the editing pictures in docs/ with `ddim edit` on the bundled model:
#   edit_face_input.png, edit_face_results.png, edit_face_results_s04.png: a painted yellow disc
#     with two dark dots on white, made into emoji by SDEdit (forward noise, 20 steps, seeds 0..7,
#     the model's own guidance) at strength 0.5 and 0.4;
#   edit_inpaint_before.png, edit_inpaint_mask.png, edit_inpaint_results.png: the smiley's mouth
#     regenerated (mask white = regenerate; strength 1, RePaint with 2 jumps, the mask's edge
#     feathered over 2 pixels inside the region; seeds 0..7).
# Inputs and masks are 64 px (the model sees them at 32 px); the docs copies are enlarged 2x with
# nearest neighbour, the result grids 4x, so every picture shows a model pixel as 4x4.
# Deterministic: fixed images and seeds. Needs python3 with PIL (Debian's python3-pil).
#   DDIM=build/bin/ddim scripts/make_edit_docs.sh
set -eu
DDIM=${DDIM:-build/bin/ddim}
MODEL=${MODEL:-resources/models/emoji32}
OUT=${OUT:-docs}
THREADS=${THREADS:-2}
M="--model $MODEL --threads $THREADS --quiet"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

/usr/bin/python3 - "$WORK" "$OUT" resources/samples/smiley.png <<'PY'
import sys
from PIL import Image, ImageDraw

work, out, smiley = sys.argv[1:4]
face = Image.new("RGB", (64, 64), "white")
d = ImageDraw.Draw(face)
d.ellipse((6, 6, 57, 57), fill=(250, 205, 40))  # the disc, radius 26 around the centre
for cx in (23, 40):                              # two dark dots
    d.ellipse((cx - 4, 21, cx + 4, 29), fill=(60, 40, 20))
face.save(f"{work}/face.png")
mask = Image.new("RGB", (64, 64), "black")
ImageDraw.Draw(mask).rectangle((14, 34, 49, 51), fill="white")  # the smiley's mouth
mask.save(f"{work}/mask.png")
for src, name in ((face, "edit_face_input"), (Image.open(smiley).convert("RGB"),
                                              "edit_inpaint_before"), (mask, "edit_inpaint_mask")):
    src.resize((128, 128), Image.NEAREST).save(f"{out}/{name}.png")
PY

"$DDIM" edit $M --image "$WORK/face.png" --strength 0.5 --steps 20 --count 8 --seed 0 \
  --out "$OUT/edit_face_results.png"
"$DDIM" edit $M --image "$WORK/face.png" --strength 0.4 --steps 20 --count 8 --seed 0 \
  --out "$OUT/edit_face_results_s04.png"
"$DDIM" edit $M --image resources/samples/smiley.png --mask "$WORK/mask.png" --steps 20 \
  --resample 2 --feather 2 --count 8 --seed 0 --out "$OUT/edit_inpaint_results.png"
