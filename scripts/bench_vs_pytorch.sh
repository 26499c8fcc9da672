#!/usr/bin/env bash
# The C++ engine's U-Net call against PyTorch eager fp32 in one run: for each thread count and
# batch size, ROUNDS rounds of `ddim bench` in fp32 and bf16 and scripts/bench_pytorch_unet.py,
# one after the other, then the ratios (PyTorch time / engine time). Times are the fastest call of
# each over all rounds: on a shared virtual machine the speed drifts by tens of percent from
# minute to minute, and interleaving gives each contender the same fast and slow spells, where
# the median moves with the neighbours' load far more than the minimum. Random weights, the
# paper's configs.
#   scripts/bench_vs_pytorch.sh [CONFIG]   CONFIG: cifar10 (default) or lsun256
# Environment: DDIM (default build/bin/ddim), PYTHON (default /usr/bin/python3, with Debian's
# python3-torch), THREADS (default "1 2"), BATCHES (default "1 16"), CALLS (default 20, a third
# of that for batches above 1), ROUNDS (default 3).
# Keep the machine otherwise idle: 2-thread figures on a loaded machine mean nothing.
set -euo pipefail
CONFIG=${1:-cifar10}
DDIM=${DDIM:-build/bin/ddim}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${THREADS:-1 2}
BATCHES=${BATCHES:-1 16}
CALLS=${CALLS:-20}
ROUNDS=${ROUNDS:-3}
here=$(cd "$(dirname "$0")" && pwd)
yml="$here/../resources/configs/$CONFIG.yml"
[ -f "$yml" ] || { echo "bench_vs_pytorch: no config $yml" >&2; exit 2; }
"$PYTHON" -c 'import torch' 2>/dev/null ||
  { echo "bench_vs_pytorch: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 2; }

echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-5s %12s %12s %12s %9s %9s %10s %10s\n' threads batch "fp32 ms" "bf16 ms" \
  "pytorch ms" "x fp32" "x bf16" "RSS fp32" "RSS bf16"
for th in $THREADS; do
  for b in $BATCHES; do
    calls=$CALLS
    [ "$b" -gt 1 ] && calls=$(( CALLS / 3 > 5 ? CALLS / 3 : 5 ))
    engine() {
      "$DDIM" bench --config "$yml" --batch "$b" --steps 1 --calls "$calls" --threads "$th" \
        --precision "$1" --edit-runs 1 --edit-counts 1 --quiet
    }
    ms() { sed -n 's/^network call, batch [0-9]*: median [0-9.]* ms, min \([0-9.]*\) ms.*/\1/p'; }
    rss() { sed -n 's/^peak RSS: .* MB after loading, \([0-9]*\) MB after the calls.*/\1/p'; }
    low() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
    m32='' m16='' mpy='' r32='' r16=''
    for _ in $(seq "$ROUNDS"); do
      e32=$(engine fp32) e16=$(engine bf16)
      py=$("$PYTHON" "$here/bench_pytorch_unet.py" --config "$CONFIG" --threads "$th" \
        --batch "$b" --calls "$calls")
      m32=$(low "$m32" "$(ms <<<"$e32")") m16=$(low "$m16" "$(ms <<<"$e16")")
      mpy=$(low "$mpy" "$(sed -n 's/^batch *[0-9]*: median .*(min \([0-9.]*\),.*/\1/p' <<<"$py")")
      r32=$(rss <<<"$e32") r16=$(rss <<<"$e16")
    done
    printf '%-7s %-5s %12s %12s %12s %9s %9s %9sM %9sM\n' "$th" "$b" "$m32" "$m16" "$mpy" \
      "$(awk -v a="$mpy" -v b="$m32" 'BEGIN { printf "%.2f", a / b }')" \
      "$(awk -v a="$mpy" -v b="$m16" 'BEGIN { printf "%.2f", a / b }')" "$r32" "$r16"
  done
done
