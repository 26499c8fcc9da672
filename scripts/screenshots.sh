#!/usr/bin/env bash
# Starts ddim-studio under Xvfb, lets it run its scripted demo (open an image and invert it into
# latent A, invert a second sample into B, drag the slider, sample, compare step counts, export a
# grid, a GIF and an MP4 video) and saves a grab of the window after each stage into OUT_DIR
# (01-invert.png ... 04-compare.png, main.png). It prints the slider latencies it measured.
#
# Usage: scripts/screenshots.sh OUT_DIR [BUILD_DIR]
#   BUILD_DIR defaults to build; it needs the targets ddim-studio and ddim-make-tiny-model.
#   Until the bundled model (resources/models/emoji32) exists, a random model of the same size is used, so
#   the images show the flow but not a trained model's pictures.
set -euo pipefail

out=${1:?usage: $0 OUT_DIR [BUILD_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build}
app="$build/bin/ddim-studio"
image=${DDIM_DEMO_IMAGE:-$root/resources/samples/smiley.png}

mkdir -p "$out"
model_args=()
if [[ ! -d "$root/resources/models/emoji32" ]]; then
  echo "screenshots: no bundled model yet; using a random model of its size" >&2
  "$build/bin/ddim-make-tiny-model" "$out/tiny-model" emoji32
  model_args=(--model "$out/tiny-model")
fi

export QT_QPA_PLATFORM=xcb
xvfb-run -a -s "-screen 0 1400x900x24 -dpi 96" \
  "$app" --device cpu --screenshot-dir "$out" --image "$image" "${model_args[@]}"
ls -l "$out"/*.png
