#!/bin/sh
# Makes the pictures of the bundled emoji model shown in resources/models/emoji32/README.md
# (docs/emoji32_*.png) with the `ddim` command line. Deterministic: fixed seeds and images.
#   DDIM=build/bin/ddim DATA=/tmp/emoji32 scripts/make_emoji32_docs.sh
set -eu
DDIM=${DDIM:-build/bin/ddim}
DATA=${DATA:-/tmp/emoji32}
MODEL=${MODEL:-resources/models/emoji32}
OUT=${OUT:-docs}
THREADS=${THREADS:-2}
M="--model $MODEL --threads $THREADS --quiet"

[ -d "$DATA/test" ] || "$DDIM" dataset emoji --size 32 --out "$DATA" --quiet
# Sampling uses the model's autoguidance weight unless --guidance says otherwise.
"$DDIM" sample $M --seed 0 --count 16 --steps 50 --out "$OUT/emoji32_samples.png"
# 32 x_T at 20 steps, the step count of the quality bar: guided, and the model alone.
"$DDIM" sample $M --seed 0 --count 32 --steps 20 --out "$OUT/emoji32_samples_s20.png"
"$DDIM" sample $M --seed 0 --count 32 --steps 20 --guidance 1 --out "$OUT/emoji32_samples_s20_plain.png"
# The guidance weight: the same 8 x_T at 20 steps with w = 1, 2, 3, 4.
for w in 1 2 3 4; do
  "$DDIM" sample $M --seed 100 --count 8 --steps 20 --guidance $w --out "$OUT/emoji32_guidance_w$w.png"
done
# Interpolation and inversion always use the model alone (guidance 1).
for seed in 1 2 3; do
  "$DDIM" compare $M --seed $seed --steps 10,20,50,100,1000 --out "$OUT/emoji32_compare_seed$seed.png"
done
# Two held-out emoji (never trained on): U+1F605 and U+1F438.
"$DDIM" interpolate $M --from "$DATA/test/0839_1f605.png" --to "$DATA/test/0499_1f438.png" \
  --frames 8 --steps 50 --out "$OUT/emoji32_interpolate.png"
for img in 0849_1f60f 0269_1f345; do
  cp "$DATA/test/$img.png" "$OUT/emoji32_recon_${img}_input.png"
  "$DDIM" invert $M --image "$DATA/test/$img.png" --steps 50 --out "/tmp/emoji32_$img.npy" \
    --recon "$OUT/emoji32_recon_${img}_s50.png"
  "$DDIM" invert $M --image "$DATA/test/$img.png" --steps 10 --out "/tmp/emoji32_$img.npy" \
    --recon "$OUT/emoji32_recon_${img}_s10.png"
done
