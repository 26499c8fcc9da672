#!/bin/sh
# Installs the build into a temporary prefix, then runs the installed `ddim` from another folder
# with no path given: it must find the bundled model beside itself (share/ddim-studio), and no
# source or build path may be left in the installed binaries.
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
source=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/ddim share/ddim-studio/models/emoji32/config.yml \
         share/ddim-studio/models/emoji32/guide/model.safetensors \
         share/ddim-studio/samples/smiley.png share/applications/ddim-studio.desktop \
         share/icons/hicolor/scalable/apps/ddim-studio.svg share/doc/ddim_studio/README.md; do
  [ -e "$prefix/$f" ] || { echo "install_test: $f was not installed"; exit 1; }
done
cd "$prefix"
info=$(env -u DDIM_RESOURCE_DIR -u DDIM_DEFAULT_MODEL "$prefix/bin/ddim" info --quiet --threads 1)
echo "$info" | grep -q "^name: emoji32$" || { echo "install_test: unexpected info: $info"; exit 1; }
echo "$info" | grep -q "^weights: $prefix/share/ddim-studio/models/emoji32/model.safetensors$" ||
  { echo "install_test: the model did not come from the prefix: $info"; exit 1; }
for exe in "$prefix"/bin/*; do
  for dir in "$source" "$build"; do
    if grep -q -a -F "$dir" "$exe"; then
      echo "install_test: $exe contains the path $dir"
      exit 1
    fi
  done
done
echo "install_test: ok"
