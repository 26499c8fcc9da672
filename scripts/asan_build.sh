#!/usr/bin/env bash
# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: configures build-asan/ (or
# $DDIM_ASAN_BUILD_DIR) with clang-14, ASan, UBSan and libFuzzer's coverage, the same way for both
# so that neither rebuilds what the other built, then builds the targets named.
# -O1 -gline-tables-only: the sanitizers' usual setting; stacks keep file and line, and the
# instrumented build takes far less of CI's time than -O2 -g.
asan_build() {  # asan_build TARGET...
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_CXX_COMPILER=clang++-14 -DDDIM_FUZZ=ON -DDDIM_BUILD_GUI=OFF -DDDIM_USE_PCH=ON \
    >/dev/null
  cmake --build "$build" -j "$jobs" --target "$@"
}
