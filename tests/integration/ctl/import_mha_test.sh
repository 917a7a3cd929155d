#!/usr/bin/env bash
# pivotctl import-mha on MHA application configs written from MHA's documented
# format, and what it prints loaded by the real pivotd --check-config: every
# imported spec valid (exit 0), an unsafe layout warned about by name, no
# password anywhere, a config MHA refuses refused (exit 2). No MySQL needed.
# Needs PIVOT_BIN_DIR (ctest sets it). It starts no long-lived process.
set -euo pipefail
: "${PIVOT_BIN_DIR:?set PIVOT_BIN_DIR to the built binaries}"
pivotd="$PIVOT_BIN_DIR/pivotd"
pivotctl="$PIVOT_BIN_DIR/pivotctl"
work="$(mktemp -d /tmp/import-mha-test-XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "import_mha_test: $*" >&2; exit 1; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks '$2'"; }; }
lacks() { ! grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 has '$2'"; }; }
mkdir -p "$work/mha" "$work/clusters.d"

# MHA configs written from its documented format (shared with the unit test).
fixtures="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures/mha" && pwd)"
cp "$fixtures/tutorial.cnf" "$work/mha/app1.cnf"
cp "$fixtures/production.cnf" "$work/mha/orders.cnf"
cp "$fixtures/shards.cnf" "$work/mha/shards.cnf"

import() {  # import NAME [OPTIONS...]: the spec into clusters.d, warnings kept
  local name="$1" rc=0; shift
  "$pivotctl" import-mha "$work/mha/$name.cnf" "$@" > "$work/clusters.d/$name.yaml" 2> "$work/$name.warnings" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$work/$name.warnings" >&2; fail "import-mha $name.cnf: exit $rc"; }
}
import app1
import orders --primary db2.example.com:3306 --az db1.example.com=eu-1a --az db2.example.com=eu-1b \
  --az db3.example.com:3306=eu-1c --az db4.example.com=eu-1c
import shards --name shard-a --primary 10.0.1.11:3307 --az 10.0.1.11:3307=a --az 10.0.1.11:3308=a --az 10.0.2.11=a

has "$work/app1.warnings" "no --primary: host1"
has "$work/app1.warnings" "no AZ given for host1"
has "$work/orders.warnings" "master_ip_failover_script ([server default])"
has "$work/orders.warnings" "[server4] ignore_fail=1"
has "$work/clusters.d/orders.yaml" "{name: db2, host: db2.example.com, port: 3306, az: eu-1b, role: primary}"
has "$work/clusters.d/orders.yaml" "{name: db4, host: db4.example.com, port: 3306, az: eu-1c, role: backup}"
has "$work/clusters.d/shards.yaml" "name: shard-a"
has "$work/clusters.d/shards.yaml" "{name: shard-a2, host: \"10.0.1.11\", port: 3308, az: a, role: replica}"
for secret in tutorial-Secret1 prod-Secret2 repl-Secret3 local-Secret4; do
  for f in "$work"/clusters.d/*.yaml "$work"/*.warnings; do lacks "$f" "$secret"; done
done

# pivotd loads all three; the tutorial's nodes (one placeholder AZ) and the
# shards (all in AZ a) are warned about, the orders cluster is not; exit 0.
rc=0
"$pivotd" --check-config --insecure --clusters "$work/clusters.d" --state-dir "$work/state" \
  --events-bind tcp://127.0.0.1:1 --commands-bind tcp://127.0.0.1:2 > "$work/check" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$work/check" >&2; fail "pivotd --check-config refused the imported specs: exit $rc"; }
has "$work/check" "3 cluster(s) valid"
has "$work/check" "configuration OK"
has "$work/check" "warning: $work/clusters.d/app1.yaml: policy.az_spread: 2 can never be met: the promotable nodes span 1 AZ (unknown: host1, host2, host3"
has "$work/check" "warning: $work/clusters.d/shards.yaml: policy.az_spread: 2 can never be met"
lacks "$work/check" "orders.yaml"

# A config MHA itself refuses is refused, naming the line; nothing on stdout.
printf '[server default]\nuser=root\n[mysql1]\nhostname=h\n' > "$work/mha/bad.cnf"
rc=0
"$pivotctl" import-mha "$work/mha/bad.cnf" > "$work/bad.out" 2> "$work/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "a block MHA refuses: exit $rc, expected 2"
has "$work/bad.err" "bad.cnf:3: block [mysql1]"
[ ! -s "$work/bad.out" ] || fail "a refused config still printed a spec"
echo "import_mha_test: ok"
