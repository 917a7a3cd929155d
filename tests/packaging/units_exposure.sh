#!/usr/bin/env bash
# Each unit's systemd-analyze security exposure stays at 2.0 or lower, alone
# and with each example hook drop-in (packaging/examples/hooks/*.conf), so a
# sandbox setting dropped by mistake fails here. docs/operations.md has the
# figures and what keeps them from going lower.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
limit=20   # --threshold is exposure x 10
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
status=0
exposure() {  # ROOT UNIT -> "1.2 OK" line, and the verdict in the exit status
  local out rc=0
  out="$(systemd-analyze security --offline=true --threshold="$limit" --root="$1" "$2" 2>&1)" || rc=$?
  sed -n 's/^→ Overall exposure level for \(.*\): \([0-9.]*\).*/\2/p' <<< "$out"
  return $rc
}
check() {  # LABEL ROOT UNIT
  local level
  if level="$(exposure "$2" "$3")" && [ -n "$level" ]; then
    echo "ok: $1: exposure $level"
  else
    echo "FAIL: $1: exposure ${level:-unknown} (limit $(( limit / 10 )).$(( limit % 10 )))"; status=1
  fi
}
units="$work/root/etc/systemd/system"
mkdir -p "$units"
cp "$root"/systemd/*.service "$units/"
check pivot-agent.service "$work/root" pivot-agent.service
check pivot-agent@db1.service "$work/root" pivot-agent@db1.service
check pivotd.service "$work/root" pivotd.service
for dropin in "$root"/packaging/examples/hooks/*.conf; do
  rm -rf "$units/pivotd.service.d"; mkdir -p "$units/pivotd.service.d"
  cp "$dropin" "$units/pivotd.service.d/"
  check "pivotd.service + $(basename "$dropin")" "$work/root" pivotd.service
done
exit $status
