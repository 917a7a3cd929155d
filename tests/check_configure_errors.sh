#!/usr/bin/env bash
# A missing library must stop configure with the Debian package to install.
# Hides one package at a time from CMake (CMAKE_DISABLE_FIND_PACKAGE_<name>)
# and checks the error names the package.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cases=(
  "Boost libboost-dev" "cppzmq cppzmq-dev" "spdlog libspdlog-dev"
  "SQLite3 libsqlite3-dev" "yaml-cpp libyaml-cpp-dev" "nlohmann_json nlohmann-json3-dev"
  "CLI11 libcli11-dev" "Curses libncurses-dev" "GTest libgtest-dev"
)
failed=0
for c in "${cases[@]}"; do
  read -r name pkg <<< "$c"
  if cmake -S "$root" -B "$work/$name" -DCMAKE_DISABLE_FIND_PACKAGE_"$name"=ON > "$work/$name.log" 2>&1; then
    echo "FAIL: configure succeeded with $name hidden"; failed=1
  elif grep -q "install the Debian package '[^']*$pkg" <<< "$(tr -s '\n ' '  ' < "$work/$name.log")"; then
    echo "ok: $name hidden -> names $pkg"
  else
    echo "FAIL: $name hidden, but the error does not name $pkg:"; tail -5 "$work/$name.log"; failed=1
  fi
done
exit $failed
