#!/usr/bin/env bash
# ctest demo_end_to_end (and demo_agents_start_late, the same with the agents
# started STACK_AGENTS_DELAY_S after pivotd; demo_failover, scripts/demo
# --failover with DEMO_FAILOVER=1): runs scripts/demo in a directory of its own (never
# the operator's /tmp/pivot-demo-$UID), asserts the verdict says nothing was
# lost and that pivot status refused the backup node, then `scripts/demo stop`
# and checks that no process the demo started is left, by its pid files.
# Needs PIVOT_BIN_DIR (ctest sets it, with PIVOT_DEMO_NO_BUILD=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${PIVOT_BIN_DIR:?set PIVOT_BIN_DIR to the built binaries}"
export PIVOT_DEMO_NO_BUILD=1
PIVOT_DEMO_DIR="$(mktemp -d /tmp/pivot-demo-test-XXXXXX)"
export PIVOT_DEMO_DIR
out="$(mktemp /tmp/pivot-demo-test-out-XXXXXX)"
stopped=0
cleanup() {
  [ "$stopped" = 1 ] || "$root/scripts/demo" stop >/dev/null 2>&1 || true
  rm -rf "$PIVOT_DEMO_DIR" "$out"
}
trap cleanup EXIT
fail() { echo "demo_end_to_end: $*" >&2; exit 1; }

rc=0
"$root/scripts/demo" ${DEMO_FAILOVER:+--failover} 2>&1 | tee "$out" || rc=$?
[ "$rc" -eq 0 ] || fail "scripts/demo exited $rc"
if [ "${STACK_AGENTS_DELAY_S:-0}" != 0 ]; then
  # The race was met: the agents really started after pivotd was polled.
  grep -q "agents start ${STACK_AGENTS_DELAY_S} s after pivotd" "$out" || fail "the agents were not delayed"
  grep -q "waiting for pivotd to see all 5 nodes (now: 0 fresh, 5 never reported" "$out" \
    || fail "the readiness wait never polled a pivotd that had heard no agent"
fi

grep -q '^verdict: 0 rows lost, split brain: no, checksums: equal, write-blocked: [0-9.]* ms$' "$out" \
  || fail "no 'verdict: 0 rows lost, split brain: no, checksums: equal' line"
[ "$(tail -n 1 "$out" | cut -c1-9)" = "verdict: " ] || fail "the last line is not the verdict"
# The pivot demo: the backup node refused, pivotctl's other commands.
pivot_checks() {
  grep -q '^\$ pivotctl pivot-status demo --candidate db4$' "$out" || fail "the db4 refusal was not run"
  grep -q '(pivotctl exit 3: 3 means not eligible)' "$out" || fail "pivot status did not refuse db4 with exit 3"
  # The reason is shown: the candidate_promotable check, or db4 named as a backup node.
  refusal="$(sed -n '/^\$ pivotctl pivot-status demo --candidate db4$/,/pivotctl exit 3/p' "$out")"
  grep -qi 'backup' <<< "$refusal" || fail "the refusal does not say that db4 is a backup node"

  # pivotctl's other commands against the demo's real pivotd (issue 7: "pivotctl
  # does everything above against it").
  # shellcheck source=/dev/null
  . "$PIVOT_DEMO_DIR/pivotctl.env"
  ctl() { "$PIVOT_BIN_DIR/pivotctl" "$@"; }
  # Output first, then grep: `cmd | grep -q` can fail under pipefail when grep
  # quits before cmd has written everything.
  grep -q '^demo ' <<< "$(ctl clusters)" || fail "pivotctl clusters does not list demo"
  [ "$(grep -c '^demo ' <<< "$(ctl agents)" || true)" -eq 5 ] || fail "pivotctl agents does not show the five agents"
  jobs_out="$(ctl jobs --cluster demo)" || fail "pivotctl jobs failed"
  job_id="$(printf '%s\n' "$jobs_out" | awk '$2 == "pivot" && $4 == "succeeded" {print $1; exit}')"
  [ -n "$job_id" ] || fail "pivotctl jobs shows no succeeded pivot: $jobs_out"
  job_out="$(ctl job "$job_id")"
  grep -q 'post_promote' <<< "$job_out" || fail "pivotctl job $job_id does not show the steps"
  # Steps read as sentences (issue 11), not as raw JSON fragments.
  grep -q 'post_promote .* route -> 127.0.0.1:[0-9]*' <<< "$job_out" || fail "pivotctl job $job_id: no sentence for the route switch: $job_out"
  ! grep -q 'commands=\[' <<< "$job_out" || fail "pivotctl job $job_id prints raw JSON: $job_out"
  grep -q '"primary": "db2"' <<< "$(ctl --json status demo)" || fail "pivotctl --json status: db2 is not the primary"
  # A manual failover of a cluster whose primary lives is refused: "use pivot".
  frc=0; failover_err="$(ctl failover demo --yes 2>&1 >/dev/null)" || frc=$?
  [ "$frc" -eq 5 ] || fail "pivotctl failover of a live primary exited $frc, expected 5 (refused): $failover_err"
  grep -q 'use pivot' <<< "$failover_err" || fail "pivotctl failover of a live primary does not say 'use pivot': $failover_err"
  echo "demo_end_to_end: pivotctl clusters, agents, jobs, job, status --json and failover behave"
}

# The failover demo (scripts/demo --failover): pivotd's own failover of the
# killed db1 succeeded, the client's gap was measured, db1 came back and was
# judged (rejoined, or needs_rebuild when it held writes nobody received).
failover_checks() {
  grep -q "^pivotd's automatic failover: job fo-[0-9-]*, succeeded$" "$out" || fail "no succeeded automatic failover"
  grep -q '^the client: kill -9 -> first write acknowledged on the new primary: [0-9]* ms$' "$out" \
    || fail "the client's gap is not shown"
  grep -q '^Rejoined demo: db1 is a replica again$\|needs_rebuild' "$out" || fail "db1 was not judged when it came back"
  # shellcheck source=/dev/null
  . "$PIVOT_DEMO_DIR/pivotctl.env"
  grep -q '"requested_by": "pivotd"' <<< "$("$PIVOT_BIN_DIR/pivotctl" --json jobs --cluster demo)" \
    || fail "no job requested by pivotd itself"
}

if [ -n "${DEMO_FAILOVER:-}" ]; then failover_checks; else pivot_checks; fi

# The processes the demo started: by their pid files, read before stop removes them.
pids=()
for f in "$PIVOT_DEMO_DIR"/run/*.pid "$PIVOT_DEMO_DIR"/cluster/node*/mariadbd.pid; do
  [ -r "$f" ] && pids+=("$(cat "$f")")
done
[ "${#pids[@]}" -ge 11 ] || fail "expected pid files of pivotd, 5 agents and 5 servers, found ${#pids[@]}"
"$root/scripts/demo" stop
stopped=1
for pid in "${pids[@]}"; do
  cmdline="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ "$cmdline" == *"$PIVOT_DEMO_DIR"* ]]; then
    fail "pid $pid is still running after scripts/demo stop: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
  fi
done
[ ! -e "$PIVOT_DEMO_DIR" ] || fail "scripts/demo stop left $PIVOT_DEMO_DIR"
echo "demo_end_to_end: passed"
