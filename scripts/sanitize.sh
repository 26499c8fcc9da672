#!/usr/bin/env bash
# Builds core's unit tests with clang-14 under AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ (or $DDIM_ASAN_BUILD_DIR) and runs them once. The same folder holds the libFuzzer
# targets (scripts/fuzz.sh), so CI compiles the instrumented library once for both.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${DDIM_ASAN_BUILD_DIR:-build-asan}"
jobs="${DDIM_JOBS:-$(nproc)}"

source scripts/asan_build.sh
asan_build ddim_core_tests

export DDIM_TEST_DATA_DIR="$PWD/tests/data"
# LibTorch and OpenBLAS are not instrumented; their allocations at exit are not this project's
# leaks, so leak checking stays for the fuzzers, where each input's allocations are tracked.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
echo "sanitize: ddim_core_tests under ASan + UBSan"
"$build/bin/ddim_core_tests" --gtest_brief=1 "$@"
