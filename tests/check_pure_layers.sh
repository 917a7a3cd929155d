#!/usr/bin/env bash
# The pure controller layers stay pure (issue 13; docs/pivotd.md, "Targets"):
#  1. no source or header of src/model, src/rules or src/plan includes JSON, YAML,
#     threads, locks, logging or an I/O library (the compiler would find
#     them in /usr/include whatever the target links, so this reads the text);
#  2. cmake/PureTargets.cmake refuses a pure target that links such a
#     library, directly or through another target: proven here on a scratch
#     project, where it must fail, and on a clean one, where it must pass.
# Usage: tests/check_pure_layers.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status=0

forbidden='#include *[<"](nlohmann/|yaml-cpp/|thread>|mutex>|condition_variable>|future>|spdlog/|pivot/log\.hpp|pivot/yaml_reader\.hpp|boost/|zmq|sqlite3|mysql|fstream>|iostream>)'
hits="$(grep -rnE "$forbidden" "$root/controller/src/model" "$root/controller/src/rules" \
  "$root/controller/src/plan" || true)"
if [ -n "$hits" ]; then
  echo "check_pure_layers: a pure layer includes what belongs to an adapter:" >&2
  echo "$hits" >&2
  status=1
else
  echo "check_pure_layers: src/model, src/rules and src/plan include no JSON, YAML, threads, logging or I/O"
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
write_project() {  # DIR LINKED: a pure target reaching LINKED through a middle one
  mkdir -p "$1"
  cat > "$1/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(pure_check NONE)
list(APPEND CMAKE_MODULE_PATH "$root/cmake")
include(PureTargets)
add_library(pivot_log INTERFACE)
add_library(middle INTERFACE)
target_link_libraries(middle INTERFACE $2)
add_library(pure_layer INTERFACE)
target_link_libraries(pure_layer INTERFACE middle)
pivot_check_pure_target(pure_layer)
CMAKE
}
write_project "$scratch/impure" pivot_log
write_project "$scratch/clean" ""
if cmake -S "$scratch/impure" -B "$scratch/impure/build" > "$scratch/impure.log" 2>&1; then
  echo "check_pure_layers: PureTargets accepted a pure target that reaches pivot_log through another" >&2
  status=1
elif ! grep -q "pure_layer is a pure layer but links pivot_log (through middle)" "$scratch/impure.log"; then
  echo "check_pure_layers: PureTargets refused, but without naming the library and the path:" >&2
  cat "$scratch/impure.log" >&2
  status=1
else
  echo "check_pure_layers: PureTargets refuses a pure target that links pivot_log through another target"
fi
if ! cmake -S "$scratch/clean" -B "$scratch/clean/build" > "$scratch/clean.log" 2>&1; then
  echo "check_pure_layers: PureTargets refused a clean target:" >&2
  cat "$scratch/clean.log" >&2
  status=1
fi
exit "$status"
