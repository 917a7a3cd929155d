#!/usr/bin/env bash
# ctest stack_command: scripts/stack on a cluster of its own (the system tests
# run it on the fixture's with --cluster-dir): up waits until pivotd sees
# every node; status names each process; spec is reloaded by the running
# pivotd (its revision label shows in the API); one agent stops and starts;
# pivotd restarts with --enable-failpoints, on other ports when its own were
# taken meanwhile; usage errors exit 2; down stops
# every process it started (by the PIDs up recorded) and removes the
# directory, and a second down is a no-op.
# Needs PIVOT_BIN_DIR (ctest sets it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${PIVOT_BIN_DIR:?set PIVOT_BIN_DIR to the built binaries}"
base="$(mktemp -d /tmp/pivot-stack-test-XXXXXX)"
dir="$base/stack"
stack() { "$root/scripts/stack" "$@"; }
cleanup() {
  stack down --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$base"
}
trap cleanup EXIT
fail() { echo "stack_command: $*" >&2; exit 1; }
pid_of() { cat "$dir/run/$1.pid"; }
# Still ours and alive: a PID the kernel gave to another process meanwhile
# (a busy machine reuses them within seconds) is not the stack's.
runs() {
  [ -d "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ] || return 1
  [[ "$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)" == *"$dir"* ]]
}

stack up --dir "$dir" --name stk --nodes 3 || fail "up exited $?"
# shellcheck source=/dev/null
. "$dir/stack.env"
[ "$STACK_NODES" = 3 ] && [ "$STACK_CLUSTER" = stk ] || fail "stack.env: $(cat "$dir/stack.env")"
[ "$(stat -c %a "$dir/operator.token")" = 600 ] && [ "$(stat -c %a "$dir/viewer.token")" = 600 ] \
  || fail "the tokens are not 0600"
status="$(stack status --dir "$dir")"
echo "$status"
for p in pivotd agent-db1 agent-db2 agent-db3; do
  grep -q "^$p  *running (pid $(pid_of "$p"))$" <<< "$status" || fail "status does not say $p runs"
done
pids=("$(pid_of pivotd)" "$(pid_of agent-db1)" "$(pid_of agent-db2)" "$(pid_of agent-db3)")

ctl() { "$STACK_BIN_DIR/pivotctl" --controller "http://127.0.0.1:$STACK_HTTP_PORT" --token-file "$dir/viewer.token" "$@"; }
out="$(stack spec --dir "$dir" --min-replicas 1 --priority db3=7 --hook post_pivot=/bin/true)"
[ "$out" = "revision 2" ] || fail "spec printed '$out'"
json="$(ctl --json status stk)"
grep -q '"revision": "2"' <<< "$json" || fail "pivotd did not reload the spec: $json"
grep -q 'priority: 7' "$dir/clusters.d/stk.yaml" && ! grep -q 'route-traffic' "$dir/clusters.d/stk.yaml" \
  || fail "the spec is not the one asked for: $(cat "$dir/clusters.d/stk.yaml")"

stack stop --dir "$dir" agent db2
grep -q '^agent-db2  *stopped$' <<< "$(stack status --dir "$dir")" || fail "status says agent db2 still runs"
! runs "${pids[2]}" || fail "agent db2's process ${pids[2]} still runs"
stack start --dir "$dir" agent db2
stack wait --dir "$dir" || fail "the stack is not ready again after db2's agent restarted"

# pivotd again, with a failpoint, on ports someone took meanwhile (the
# cluster's servers: its configs are pointed at them): it is started on others.
stack stop --dir "$dir" pivotd
stack stop --dir "$dir" agents
(
  # shellcheck source=scripts/lib/stack.sh
  . "$root/scripts/lib/stack.sh"
  # shellcheck source=/dev/null
  . "$dir/stack.env"  # after the library, whose defaults (5 nodes) it replaces
  stack_write_ports "$dir" "$STACK_CLUSTER" "$STACK_BASE_PORT" "$STACK_BIN_DIR" "$STACK_BASE_PORT"
)
out="$(stack start --dir "$dir" pivotd --failpoints "promote:drop_answer" 2>&1)" \
  || fail "pivotd did not start with a failpoint: $out"
grep -q "pivotd's ports from $STACK_BASE_PORT were taken; trying others" <<< "$out" || fail "no other ports tried: $out"
# shellcheck source=/dev/null
. "$dir/stack.env"
[ "$STACK_HTTP_PORT" != "$STACK_BASE_PORT" ] || fail "stack.env still names the taken port"
grep -q -- '--enable-failpoints' "/proc/$(pid_of pivotd)/cmdline" || fail "pivotd runs without --enable-failpoints"
stack start --dir "$dir" agents
stack wait --dir "$dir" || fail "the stack is not ready after pivotd and the agents restarted"
pids+=("$(pid_of pivotd)" "$(pid_of agent-db1)" "$(pid_of agent-db2)" "$(pid_of agent-db3)")

rc=0; stack start --dir "$dir" bogus 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "an unknown process to start exited $rc, not 2"
rc=0; stack up --dir "$base/other" --nodes x 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--nodes x exited $rc, not 2"

stack down --dir "$dir" || fail "down exited $?"
[ ! -e "$dir" ] || fail "down left $dir"
for pid in "${pids[@]}"; do ! runs "$pid" || fail "process $pid still runs after down"; done
[ -z "$(ls "$base")" ] || fail "down left $(ls "$base")"
stack down --dir "$dir" || fail "a second down exited $?"
echo "stack_command: ok"
