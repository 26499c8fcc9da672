#!/usr/bin/env bash
# How evenly the interpolation path moves: 10 pairs of held-out emoji, 17 frames each, 20-step
# inversion and decoding with the bundled model, plain slerp against `--even` (slerp with matched
# statistics, frames re-spaced along the decoded path). Distances are RMS pixel distances (pixels
# in [0, 1]) between neighbouring decoded frames, as `ddim interpolate` prints them; the variance
# of those distances is DiffMorpher's PDV in plain pixel distance.
#   scripts/measure_even.sh [DATA]   DATA: `ddim dataset emoji --size 32 --out DATA` (made if absent)
# Environment: DDIM (default build/bin/ddim), THREADS (default 1), PAIRS (default 10), OUT
# (where the frames go, default a temporary folder).
set -euo pipefail
DDIM=${DDIM:-build/bin/ddim}
DATA=${1:-${TMPDIR:-/tmp}/ddim-emoji32}
THREADS=${THREADS:-1}
PAIRS=${PAIRS:-10}
OUT=${OUT:-$(mktemp -d)}
[ -d "$DATA/test" ] || "$DDIM" dataset emoji --size 32 --quiet --out "$DATA"

# 20 held-out images spread over the split: every 8th file.
mapfile -t files < <(ls "$DATA/test" | grep -E '\.png$' | awk 'NR % 8 == 1' | head -20)
[ "${#files[@]}" -eq 20 ] || { echo "measure_even: $DATA/test has too few images" >&2; exit 1; }

printf '%-4s %-44s %10s %10s %10s %10s %7s\n' pair images "var plain" "var even" \
  "max plain" "max even" ratio
for i in $(seq 0 $((PAIRS - 1))); do
  a=${files[$((2 * i))]} b=${files[$((2 * i + 1))]}
  run() {
    "$DDIM" interpolate --from "$DATA/test/$a" --to "$DATA/test/$b" --frames 17 --steps 20 \
      --threads "$THREADS" --quiet "$@" | grep '^path:'
  }
  p=$(run --out "$OUT/plain_$i.npy")
  e=$(run --even --out "$OUT/even_$i.npy")
  var() { sed -E 's/.*variance ([^,]+),.*/\1/' <<<"$1"; }
  big() { sed -E 's/.*largest ([0-9.]+).*/\1/' <<<"$1"; }
  awk -v i="$i" -v pair="$a $b" -v vp="$(var "$p")" -v ve="$(var "$e")" -v mp="$(big "$p")" \
    -v me="$(big "$e")" 'BEGIN { printf "%-4d %-44s %10.3g %10.3g %10.4f %10.4f %7.3f\n",
      i, pair, vp, ve, mp, me, me / mp }'
done | tee "$OUT/pairs.txt"
awk '{ r += $NF; p += $(NF - 2); e += $(NF - 1); n++ }
     END { printf "mean over %d pairs: largest jump %.4f plain, %.4f even; ratio even/plain %.3f\n",
           n, p / n, e / n, r / n }' "$OUT/pairs.txt"
echo "frames [17, C, H, W] in model space: $OUT/{plain,even}_N.npy"
