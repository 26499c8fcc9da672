#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then makes the Debian package with CPack:
# build/ddim-studio_<version>_amd64.deb (binaries in /usr/bin, the bundled model and samples in
# /usr/share/ddim-studio, a menu entry and icon). Install it with `apt install ./build/*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build="${DDIM_BUILD_DIR:-build}"
(cd "$build" && cpack -G DEB)
ls -l "$build"/*.deb
