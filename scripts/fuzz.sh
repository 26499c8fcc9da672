#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang-14, ASan and UBSan in build-asan/ (shared with
# scripts/sanitize.sh), seeds each from files the project makes, and runs each for
# $DDIM_FUZZ_SECONDS (default 60) from libFuzzer seed $DDIM_FUZZ_SEED (default 1). Prints each
# target's executions; exits non-zero when any target finds a crash, a sanitizer report, a leak, a
# timeout or a runaway allocation (the reproducer is kept in build-asan/fuzz/artifacts/, and is
# replayed into the output with its report).
# Usage: scripts/fuzz.sh [target...]   (default: all; targets: npy safetensors checkpoint pickle
# yaml_config diffusers_config image_header)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${DDIM_ASAN_BUILD_DIR:-build-asan}"
jobs="${DDIM_JOBS:-$(nproc)}"
seconds="${DDIM_FUZZ_SECONDS:-60}"
targets=("$@")
((${#targets[@]})) || targets=(npy safetensors checkpoint pickle yaml_config diffusers_config image_header)

source scripts/asan_build.sh
asan_build "${targets[@]/#/fuzz_}" make_image_seeds

work="$build/fuzz"
mkdir -p "$work/artifacts"
seed() {  # seed TARGET FILE...
  local target="$1"
  shift
  mkdir -p "$work/seeds/$target"
  local i=0 f
  for f in "$@"; do
    i=$((i + 1))
    cp "$f" "$work/seeds/$target/$i-$(basename "$f")"
  done
}
rm -rf "$work/seeds"
seed npy tests/data/npy/*.npy
seed safetensors tests/data/weights/reference.safetensors
seed checkpoint tests/data/weights/*.pt tests/data/weights/*.pth tests/data/weights/plain_dict.bin
seed pickle tests/data/weights/*.pkl
seed yaml_config resources/models/emoji32/config.yml resources/models/emoji32/guide/*.yml
seed image_header resources/samples/*.png
"$build/bin/make_image_seeds" "$work/seeds/image_header"
mkdir -p "$work/seeds/diffusers_config"
cat >"$work/seeds/diffusers_config/config.json" <<'JSON'
{"_class_name": "UNet2DModel", "sample_size": 8, "in_channels": 3, "out_channels": 3,
 "block_out_channels": [32, 64], "layers_per_block": 1,
 "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
 "up_block_types": ["AttnUpBlock2D", "UpBlock2D"], "freq_shift": 1, "flip_sin_to_cos": false,
 "downsample_padding": 0, "norm_eps": 1e-06, "norm_num_groups": 32, "act_fn": "silu",
 "center_input_sample": false, "time_embedding_type": "positional",
 "mid_block_scale_factor": 1, "attention_head_dim": null}
JSON

# Parsers that take a path read the input from a scratch file: keep it in memory when possible.
[ -w /dev/shm ] && export TMPDIR=/dev/shm
export ASAN_OPTIONS="abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
status=0
summary=""
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"
  mkdir -p "$corpus"
  log="$work/$t.log"
  echo "fuzz: $t for ${seconds}s"
  if "$build/bin/fuzz_$t" "$corpus" "$work/seeds/$t" -max_total_time="$seconds" -timeout=10 \
    -seed="${DDIM_FUZZ_SEED:-1}" \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/${t}-" >"$log" 2>&1; then
    result="ok"
  else
    result="FOUND A PROBLEM (see $log and $work/artifacts/)"
    status=1
    tail -n 40 "$log"
    # Replay what it kept, with the decoders' output (and so any crash report) on stderr: the
    # image decoder captures stderr while it runs, which hides a report written meanwhile.
    for artifact in "$work/artifacts/${t}-"*; do
      [ -f "$artifact" ] || continue
      echo "fuzz: replaying $artifact ($(stat -c %s "$artifact") bytes; first 256 in hex):"
      head -c 256 "$artifact" | od -A d -t x1 | head -n 17 || true
      DDIM_FUZZ_SHOW_DECODER_OUTPUT=1 "$build/bin/fuzz_$t" "$artifact" 2>&1 | tail -n 60 || true
    done
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+="$(printf '%-18s %10s executions in %ss  %s' "$t" "$runs" "$seconds" "$result")"$'\n'
done
echo "fuzz summary (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}):"
printf '%s' "$summary"
exit $status
