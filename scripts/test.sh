#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite with CTest, then core's
# unit tests under ASan + UBSan (scripts/sanitize.sh) and each fuzz target for $DDIM_FUZZ_SECONDS
# (scripts/fuzz.sh), both in build-asan/. DDIM_SANITIZERS=0 leaves out the last two (about 20
# minutes of a cold CI run on 2 cores, most of it compiling the instrumented library).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build="${DDIM_BUILD_DIR:-build}"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$build" --output-on-failure -j "${DDIM_TEST_JOBS:-2}" --timeout 600
if [ "${DDIM_SANITIZERS:-1}" != 0 ]; then
  ./scripts/sanitize.sh
  ./scripts/fuzz.sh
fi
