#!/usr/bin/env bash
# pivotd's command line as an operator meets it: keygen refuses to overwrite,
# --check-config lists every problem with FILE:LINE and exits 0 or 1, a bad
# config stops the start (exit 2) naming the key, a bad spec is refused while
# the others load, SIGHUP reloads, SIGTERM stops (exit 0). No MySQL needed.
# Needs PIVOT_BIN_DIR (ctest sets it). Every process it starts is stopped by PID.
set -euo pipefail
: "${PIVOT_BIN_DIR:?set PIVOT_BIN_DIR to the built binaries}"
pivotd="$PIVOT_BIN_DIR/pivotd"
pivotctl="$PIVOT_BIN_DIR/pivotctl"
work="$(mktemp -d /tmp/pivotd-cli-test-XXXXXX)"
pid=""
cleanup() {
  local cmdline=""
  [ -z "$pid" ] || cmdline="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ "$cmdline" == *"$work"* ]]; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "pivotd_cli_test: $*" >&2; exit 1; }
expect_rc() {  # expect_rc CODE WHAT command...
  local want="$1" what="$2"; shift 2
  local rc=0
  "$@" > "$work/out" 2>&1 || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$work/out" >&2; fail "$what: exit $rc, expected $want"; }
}
has() { grep -q -- "$1" "$work/out" || { cat "$work/out" >&2; fail "output lacks '$1'"; }; }

# keygen
expect_rc 0 "keygen" "$pivotd" keygen --out "$work/keys"
[ "$(stat -c %a "$work/keys/controller.key")" = 600 ] || fail "controller.key is not 0600"
expect_rc 2 "keygen over an existing key" "$pivotd" keygen --out "$work/keys"
has "exists"
expect_rc 0 "keygen --force" "$pivotd" keygen --out "$work/keys" --force

# a secure setup: tokens, one agent key, a good spec and a bad one
mkdir -p "$work/clusters.d" "$work/agents.d"  # not state/: pivotd makes it
echo "operator ci $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/tokens"
"$PIVOT_BIN_DIR/pivot-agent" keygen --out "$work/agent" > /dev/null
cp "$work/agent/agent.pub" "$work/agents.d/good.db1.pub"
spec() {  # spec NAME [EXTRA_LINE]
  printf 'name: %s\n%bnodes:\n  - {name: db1, host: 127.0.0.1, port: 3306, az: a, role: primary}\n  - {name: db2, host: 127.0.0.1, port: 3307, az: b, role: replica}\n' "$1" "${2:-}"
}
spec good > "$work/clusters.d/good.yaml"
spec broken "polcy: {max_lag_seconds: 5}\n" > "$work/clusters.d/broken.yaml"
base=(--clusters "$work/clusters.d" --state-dir "$work/state" --agent-keys "$work/agents.d")
secure=("${base[@]}" --key "$work/keys/controller.key" --tokens-file "$work/tokens")

expect_rc 1 "--check-config with a bad spec" "$pivotd" --check-config "${secure[@]}"
has "broken.yaml:2"
has "polcy"
has "configuration has problems"
rm "$work/clusters.d/broken.yaml"
expect_rc 0 "--check-config, all good" "$pivotd" --check-config "${secure[@]}"
has "1 cluster(s) valid, 1 agent key(s), 1 token(s)"
has "configuration OK"
# good.yaml's two promotable nodes can never give min_replicas' default of 2:
# said with the file and the nodes, and the exit status stays 0.
has "warning: $work/clusters.d/good.yaml: policy.min_replicas: 2 can never be met"
has "db2 (replica, az b)"

# a start that must not happen, each problem named
expect_rc 2 "a missing key file" "$pivotd" "${base[@]}" --key "$work/nope.key" --tokens-file "$work/tokens"
has "key: no such file"
echo "admin someone sometoken" > "$work/bad-tokens"
expect_rc 2 "a bad tokens file" "$pivotd" "${base[@]}" --key "$work/keys/controller.key" --tokens-file "$work/bad-tokens"
has "bad-tokens:1"
expect_rc 2 "--insecure on a wildcard bind" "$pivotd" --insecure --clusters "$work/clusters.d" --state-dir "$work/state"
has "events_bind: --insecure"
cat > "$work/pivotd.yaml" <<YAML
clusters_dir: $work/clusters.d
state_dir: $work/state
http_port: 7780
YAML
expect_rc 2 "an unknown key in pivotd.yaml" "$pivotd" --config "$work/pivotd.yaml" --insecure
has "pivotd.yaml:3"

# failpoints (tests only): a bad PIVOT_FAILPOINT stops a start that enables them
PIVOT_FAILPOINT="promte:drop_answer" expect_rc 2 "a bad failpoint with --enable-failpoints" "$pivotd" --insecure \
  --enable-failpoints --clusters "$work/clusters.d" --state-dir "$work/state" --events-bind tcp://127.0.0.1:1 \
  --commands-bind tcp://127.0.0.1:2 --http 127.0.0.1:0
has "'promte' is not a step"

# a real start (insecure, loopback, free ports): the bad spec is refused, the
# good one served; PIVOT_FAILPOINT without --enable-failpoints is ignored, said
spec broken "polcy: {}\n" > "$work/clusters.d/broken.yaml"
live=(--insecure --clusters "$work/clusters.d" --state-dir "$work/state" --http 127.0.0.1:0
  --events-bind 'tcp://127.0.0.1:*' --commands-bind 'tcp://127.0.0.1:*')
start_pivotd() {  # in the background, into $work/pivotd.log; sets pid and port
  "$pivotd" "${live[@]}" > "$work/pivotd.log" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 100); do
    port="$(sed -n 's/.*API on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/pivotd.log" | head -n 1)"
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/pivotd.log" >&2; fail "pivotd exited at start"; }
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/pivotd.log" >&2; fail "pivotd did not say where its API listens"; }
}
stop_pivotd() {  # SIGTERM: exit 0
  kill -TERM "$pid"
  local rc=0; wait "$pid" || rc=$?
  pid=""
  [ "$rc" -eq 0 ] || { cat "$work/pivotd.log" >&2; fail "pivotd exited $rc after SIGTERM"; }
}
PIVOT_FAILPOINT="promote/set_read_only:drop_answer" start_pivotd
grep -q "refused: .*broken.yaml:2" "$work/pivotd.log" || { cat "$work/pivotd.log" >&2; fail "the bad spec was not logged as refused"; }
grep -q "cluster=good unsafe layout: .*good.yaml: policy.min_replicas: 2 can never be met" "$work/pivotd.log" \
  || { cat "$work/pivotd.log" >&2; fail "the good spec's unsafe layout was not logged"; }
grep -q "PIVOT_FAILPOINT is set but ignored" "$work/pivotd.log" || { cat "$work/pivotd.log" >&2; fail "an ignored failpoint was not said"; }
if grep -q "FAILPOINT ARMED" "$work/pivotd.log"; then cat "$work/pivotd.log" >&2; fail "a failpoint armed without --enable-failpoints"; fi
ctl() { "$pivotctl" --controller "http://127.0.0.1:$port" "$@"; }
[ "$(ctl --json clusters | grep -c '"name"')" -eq 1 ] || fail "expected only the good cluster"
epoch1="$(cat "$work/state/epoch")"

# SIGHUP: the fixed spec loads
spec broken > "$work/clusters.d/broken.yaml"
kill -HUP "$pid"
loaded=0
for _ in $(seq 50); do
  if [ "$(ctl --json clusters | grep -c '"name"')" -eq 2 ]; then loaded=1; break; fi
  sleep 0.1
done
[ "$loaded" = 1 ] || { cat "$work/pivotd.log" >&2; fail "SIGHUP did not load the fixed spec"; }

# The job journal (STATE_DIR/journal.sqlite): a job to keep, and a second
# pivotd on the same state_dir refused at start, naming the file
ctl pivot-status good > /dev/null 2>&1 || true  # no agent: the checks fail, the job still ends
job="$(ctl --json jobs | sed -n 's/.*"id": *"\(ps-[^"]*\)".*/\1/p' | head -n 1)"
[ -n "$job" ] || { ctl --json jobs >&2; fail "the pivot-status job is not listed"; }
expect_rc 1 "a second pivotd on the same state_dir" "$pivotd" "${live[@]}"
has "journal $work/state/journal.sqlite"
has "locked"

# SIGTERM: exit 0; the next start raises the epoch
stop_pivotd
expect_rc 0 "--check-config does not raise the epoch" "$pivotd" --check-config --insecure --clusters "$work/clusters.d" \
  --state-dir "$work/state" --events-bind tcp://127.0.0.1:1 --commands-bind tcp://127.0.0.1:2
[ "$(cat "$work/state/epoch")" = "$epoch1" ] || fail "--check-config changed the epoch"

# Restarted, pivotd lists the job it ran before, as it ended
start_pivotd
ctl --json jobs > "$work/out"
has "\"$job\""
ctl --json job "$job" > "$work/out" || true  # exit 3: not eligible (no agent)
has '"state": "succeeded"'
grep -q "journal $work/state/journal.sqlite: [1-9][0-9]* job(s) and [0-9]* Idempotency-Key(s) restored" "$work/pivotd.log" ||
  { cat "$work/pivotd.log" >&2; fail "the restored jobs were not logged"; }
stop_pivotd

# A corrupt journal stops the start (exit 1), naming the file and the problem
head -c 8192 /dev/urandom > "$work/state/journal.sqlite"
rm -f "$work/state/journal.sqlite-wal" "$work/state/journal.sqlite-shm"
expect_rc 1 "a corrupt journal" "$pivotd" "${live[@]}"
has "cannot open the job journal: journal $work/state/journal.sqlite"
has "not a database"
echo "pivotd_cli_test: passed"
