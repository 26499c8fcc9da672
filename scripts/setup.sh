#!/usr/bin/env bash
# Installs what DDIM Studio needs from Debian 12's archive (idempotent), then configures and
# builds it in build/ (or $DDIM_BUILD_DIR). Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config dpkg-dev clang-format
  qt6-base-dev qt6-base-dev-tools libgl-dev
  libtorch-dev libopenblas0-openmp
  libopencv-dev libwebp-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libgif-dev
  libgtest-dev libgmock-dev zlib1g-dev
  clang-14 libclang-rt-14-dev
  fonts-noto-color-emoji xvfb xauth
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build="${DDIM_BUILD_DIR:-build}"
jobs="${DDIM_JOBS:-$(nproc)}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${DDIM_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
