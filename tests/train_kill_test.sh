#!/usr/bin/env bash
# Kills `ddim train` with SIGKILL at random moments, KILLS times, resuming after each kill as a
# user would. Once a checkpoint has been written, every kill must leave one that loads and
# resumes (a resumed run that stops at once and exits 0), and a model folder that loads.
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

checked=0
for ((i = 1; i <= kills; i++)); do
  if [ -e "$out/checkpoint/state.safetensors" ]; then
    "$ddim" train --resume "$out" "${common[@]}" &
  else
    "$ddim" train --data "$source/resources/samples" --out "$out" "${net[@]}" "${common[@]}" &
  fi
  pid=$!
  delay_ms=$((300 + RANDOM % 2200))
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ ! -e "$out/checkpoint/state.safetensors" ]; then
    if ((checked > 0)); then
      echo "kill $i after ${delay_ms} ms: the checkpoint is gone"
      exit 1
    fi
    echo "kill $i after ${delay_ms} ms: no checkpoint written yet"
    continue
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
if ((checked < kills / 2)); then
  echo "only $checked of $kills kills found a checkpoint: the runs were killed too early"
  exit 1
fi
echo "train_kill_test: $kills kills, $checked checkpoints loaded and resumed"
