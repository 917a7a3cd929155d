#!/usr/bin/env bash
# systemd-analyze verify on every unit in systemd/, with ExecStart pointed at
# the built binary (the units name /usr/bin, where the .deb puts it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$(cd "${1:?usage: check_systemd_units.sh BIN_DIR}" && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
status=0
for unit in "$root"/systemd/*.service; do
  name="$(basename "$unit")"
  sed "s|/usr/bin/|$bin/|g" "$unit" > "$work/$name"
  if out="$(systemd-analyze verify --man=no "$work/$name" 2>&1)" && [ -z "$out" ]; then
    echo "ok: $name"
  else
    echo "FAIL: $name"; echo "$out"; status=1
  fi
done
exit $status
