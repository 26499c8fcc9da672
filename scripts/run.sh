#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then starts DDIM Studio on the bundled default model.
# Extra arguments go to the application (e.g. --image photo.png, --device cuda).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build="${DDIM_BUILD_DIR:-build}"
exec "$build/bin/ddim-studio" "$@"
