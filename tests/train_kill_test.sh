#!/usr/bin/env bash
# Kills `ddim train` with SIGKILL at random moments, KILLS times, resuming after each kill as a
# user would. After the first checkpoint, every kill must leave one that loads and resumes (a
# resumed run that stops at once and exits 0), a model folder that loads, and, once resumed, no
# temporary file of the killed run.
# usage: train_kill_test.sh DDIM SOURCE_DIR [KILLS] [SEED]
set -euo pipefail
ddim=$1
source=$2
kills=${3:-20}
RANDOM=${4:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/run"
net=(--image-size 8 --ch 32 --ch-mult 1,2 --num-res-blocks 1 --attn none --batch 2)
common=(--threads 1 --quiet --steps 1000000 --checkpoint-every 1)

now_ms() { date +%s%3N; }

# The first run trains until its first checkpoint appears; how long that takes (start-up and the
# first steps, slower under sanitizers or load) sets the window the later kills fall in.
started=$(now_ms)
"$ddim" train --data "$source/resources/samples" --out "$out" "${net[@]}" "${common[@]}" &
pid=$!
while [ ! -e "$out/checkpoint/state.safetensors" ]; do
  if ! kill -0 "$pid" 2>/dev/null || (($(now_ms) - started > 300000)); then
    echo "the first training run wrote no checkpoint"
    exit 1
  fi
  sleep 0.05
done
window_ms=$((2 * ($(now_ms) - started) + 1000))
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
echo "first checkpoint after $((window_ms / 2 - 500)) ms; kills fall in the first ${window_ms} ms"

checked=0
for ((i = 1; i <= kills; i++)); do
  "$ddim" train --resume "$out" "${common[@]}" &
  pid=$!
  delay_ms=$(((RANDOM * 32768 + RANDOM) % window_ms))
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ ! -e "$out/checkpoint/state.safetensors" ]; then
    echo "kill $i after ${delay_ms} ms: the checkpoint is gone"
    exit 1
  fi
  if ! log=$("$ddim" train --resume "$out" --threads 1 --max-minutes 0.000001 2>&1); then
    echo "kill $i after ${delay_ms} ms: the checkpoint does not resume: $log"
    exit 1
  fi
  if ls -A "$out" "$out/checkpoint" | grep -q '\.tmp-'; then
    echo "kill $i: a resumed run left the killed run's temporary files"
    exit 1
  fi
  step=$(echo "$log" | sed -n 's/.*resumed from .* at step \([0-9]*\).*/\1/p' | head -n 1)
  if ! "$ddim" info --model "$out" --threads 1 --quiet >/dev/null 2>"$work/info.err"; then
    echo "kill $i after ${delay_ms} ms: the model folder does not load: $(cat "$work/info.err")"
    exit 1
  fi
  echo "kill $i after ${delay_ms} ms: resumed at step ${step:-?}"
  checked=$((checked + 1))
done
echo "train_kill_test: $kills kills, $checked checkpoints loaded and resumed"
