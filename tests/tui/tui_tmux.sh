#!/usr/bin/env bash
# ctest tui_tmux: pivotctl tui in a tmux pane against a real stack
# (scripts/lib/stack.sh: 5 MariaDB nodes, 5 agents, pivotd), driven with
# send-keys and read with capture-pane at every stage: the fleet and its
# filter, the cluster, pivot status, a declined confirmation (nothing
# changes), a pivot started by typing the cluster's name whose steps fill in
# from the event stream while a pre_pivot hook holds it (a declined cancel
# changes nothing) and that ends `succeeded`, resizes (down to too small and
# back), a second pivot cancelled with `c` `y` before the fence (the primary
# stays), pivotd stopped and started under it (the TUI says it is
# reconnecting, then live again), q to quit.
# A tmux server of its own (-L), killed at the end, and every process by PID.
# TUI_CAPTURE_DIR=DIR keeps each stage's screen there (docs/tui.md's text).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${PIVOT_BIN_DIR:?set PIVOT_BIN_DIR to the built binaries}"
export PIVOT_BIN_DIR
# shellcheck source=scripts/lib/stack.sh
. "$root/scripts/lib/stack.sh"

cluster=orders
dir="$(mktemp -d /tmp/pivot-tui-test-XXXXXX)"
# The pre_pivot hook holds a pivot until the test opens the gate (at most
# 4.5 s, under the spec's 5 s hook timeout): time to watch it run and cancel it.
hooks="$(mktemp -d /tmp/pivot-tui-hooks-XXXXXX)"
gate="$hooks/open"
cat > "$hooks/gate" <<HOOK
#!/bin/sh
i=0
while [ ! -e '$gate' ] && [ \$i -lt 45 ]; do sleep 0.1; i=\$((i + 1)); done
printf 'gate open after %s ticks' "\$i"
HOOK
chmod 0755 "$hooks/gate"
STACK_SPEC_DEMO=0
STACK_SPEC_HOOKS=("post_promote=$dir/hooks/route-traffic" "pre_pivot=$hooks/gate")
STACK_SPEC_PRIORITY=(db2=10)
sock="pivot-tui-test-$$-$RANDOM"
tmux_pids=()
socket_path=""
stack_trap_errors tui_tmux "logs: $dir/logs"

cleanup() {
  local pid
  tmux -L "$sock" kill-server 2>/dev/null || true
  for pid in "${tmux_pids[@]}"; do
    for _ in $(seq 1 50); do stack_running "$pid" || break; sleep 0.1; done
    if stack_running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  # kill-server leaves the socket file behind.
  [ -z "$socket_path" ] || rm -f -- "$socket_path"
  stack_stop "$dir" || true
  rm -rf "$dir" "$hooks"
}
trap cleanup EXIT
fail() {
  echo "tui_tmux: $*" >&2
  echo "--- the screen:" >&2
  screen >&2 || true
  exit 1
}

t() { tmux -L "$sock" "$@"; }
screen() { t capture-pane -p -t tui; }
keys() { t send-keys -t tui "$@"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (fixed string).
wait_for() {
  local text="$1" deadline=$(( SECONDS + ${2:-20} )) now
  while :; do
    now="$(screen)"
    if grep -qF -- "$text" <<< "$now"; then return 0; fi
    if grep -qF 'TUI-EXITED' <<< "$now"; then fail "the TUI exited while waiting for '$text'"; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "no '$text' on the screen within ${2:-20} s"
    sleep 0.2
  done
}
# wait_for_re ERE [SECONDS]: until a line of the screen matches.
wait_for_re() {
  local re="$1" deadline=$(( SECONDS + ${2:-20} ))
  until grep -Eq -- "$re" <<< "$(screen)"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no line matching '$re' within ${2:-20} s"
    sleep 0.2
  done
}
# shows TEXT: the screen has it now.
shows() { grep -qF -- "$1" <<< "$(screen)" || fail "no '$1' on the screen"; }
snap() { if [ -n "${TUI_CAPTURE_DIR:-}" ]; then mkdir -p "$TUI_CAPTURE_DIR"; screen > "$TUI_CAPTURE_DIR/$1.txt"; fi; }
ctl_json_status() { stack_ctl "$dir" --json status "$cluster"; }

stack_start "$dir" "$cluster"
# shellcheck source=/dev/null
. "$dir/stack.env"
controller="http://127.0.0.1:$STACK_HTTP_PORT"

# The pane runs the TUI, then says how it ended and stays, so that a crash is
# read off the screen rather than lost with the pane.
t new-session -d -s tui -x 120 -y 40 \
  "'$STACK_BIN_DIR/pivotctl' --controller '$controller' --token-file '$dir/operator.token' tui; echo TUI-EXITED rc=\$?; sleep 600"
tmux_pids+=("$(t display-message -p -t tui '#{pid}')" "$(t display-message -p -t tui '#{pane_pid}')")
socket_path="$(t display-message -p -t tui '#{socket_path}')"

# 1. The fleet: the cluster with its labels, primary and health.
wait_for " pivot | fleet"
wait_for "$cluster "
shows "CLUSTER  LABELS"
wait_for_re "^$cluster +environment=demo, owner=[^ ]+ +db1 +yes"
snap fleet
# Colour (healthy in green), and none under NO_COLOR: a second TUI beside it.
grep -q $'\e\\[32myes' <<< "$(t capture-pane -p -e -t tui)" || fail "no green 'yes' for a healthy cluster"
t new-session -d -s plain -x 120 -y 40 \
  "NO_COLOR=1 '$STACK_BIN_DIR/pivotctl' --controller '$controller' --token-file '$dir/operator.token' tui; sleep 600"
tmux_pids+=("$(t display-message -p -t plain '#{pane_pid}')")
for _ in $(seq 1 100); do
  grep -Eq "^$cluster +environment=demo, owner=[^ ]+ +db1 +yes" <<< "$(t capture-pane -p -t plain)" && break
  sleep 0.2
done
plain="$(t capture-pane -p -e -t plain)"
grep -Eq "^$cluster +environment" <<< "$(t capture-pane -p -t plain)" || fail "the NO_COLOR TUI shows no $cluster row"
! grep -q $'\e\\[3[0-7]m' <<< "$plain" || fail "colour under NO_COLOR"
t kill-session -t plain
# / filters by label, and by what matches nothing.
keys / e n v i r o n m e n t = d e m o Enter
wait_for "Filter: environment=demo"
shows "$cluster "
keys / x Enter
wait_for "No cluster matches 'environment=demox'."
keys Escape
wait_for "$cluster "
grep -qF "Filter:" <<< "$(screen)" && fail "Esc did not clear the filter"

# 2. The cluster: every node with spec role, observed role, AZ, read_only, GTID, lag, threads, heartbeat.
keys Enter
wait_for "Cluster $cluster: primary db1"
shows "NODE  ROLE       CURRENT  AZ  READ_ONLY  GTID"
for node in db1 db2 db3 db4 db5; do
  grep -Eq "^$node +(primary|replica|backup|analytics) +(primary|replica) +[abc] +(yes|no) " <<< "$(screen)" \
    || fail "no row for $node"
done
grep -Eq '^db2 +replica +replica +b +yes +[0-9]+-[0-9]+-[0-9]+ +[0-9.]+s +yes/yes +[0-9.]+s' <<< "$(screen)" \
  || fail "db2's row lacks GTID, lag, threads or heartbeat"
snap cluster

# 3. Pivot status: every check and the rejected candidates.
keys s
wait_for "$cluster: eligible; candidate db2"
shows "agents_fresh"
shows "Rejected candidates:"
shows "db4 is a backup node"
snap pivot_status

# 4. A declined confirmation changes nothing.
keys p
wait_for "Type the cluster's name and Enter to pivot"
shows "Plan for $cluster (dry run: nothing changed yet)"
shows "new primary: db2"
snap pivot_plan
keys w r o n g Enter
wait_for "Not pivoted: you typed 'wrong', not '$cluster'; nothing was changed."
[[ "$(screen | tail -n 1)" == "Not pivoted: you typed 'wrong', not '$cluster'; nothing was changed "* ]] \
  || fail "the status line does not say the pivot was declined"
snap pivot_declined
sleep 2  # time for a pivot to start, were one sent
grep -q '^  "primary": "db1",\?$' <<< "$(ctl_json_status)" || fail "the primary changed after a declined confirmation"
jobs_out="$(stack_ctl "$dir" jobs --cluster "$cluster")"
[ "$(awk '$2 == "pivot" && $3 != "(dry"' <<< "$jobs_out" | wc -l)" -eq 0 ] \
  || fail "a pivot job exists after a declined confirmation: $jobs_out"

# 5. A pivot started by typing the name: its steps fill in from the event
# stream while the hook holds it; a declined cancel changes nothing; it ends.
keys q  # back to pivot status
wait_for "$cluster: eligible; candidate db2"
keys p
wait_for "Type the cluster's name and Enter to pivot"
keys "$cluster"
wait_for "> ${cluster}_"
rm -f "$gate"
keys Enter
wait_for "Pivot job "
wait_for_re '^  pre_pivot +running'
grep -Eq '^  fence_read_only +pending' <<< "$(screen)" || fail "the plan's steps not run yet are not pending"
grep -Eq ' live$' <<< "$(screen | tail -n 1)" || fail "the status line does not say live"
job_id="$(screen | sed -n 's/.*Pivot job \([^ ]*\) started.*/\1/p' | head -n 1)"
[ -n "$job_id" ] || fail "no job id on the status line"
snap job_running
keys c
wait_for "Cancel job $job_id? y cancels it, any other key lets it run [y/N]"
snap cancel_prompt
keys n
wait_for "Not cancelled: job $job_id goes on"
touch "$gate"
wait_for "pivot of $cluster, succeeded" 60
shows "Pivoted $cluster: db2 is the new primary (was db1); writes were blocked for"
grep -Eq '^  post_promote +succeeded .*route -> 127\.0\.0\.1:[0-9]+' <<< "$(screen)" \
  || fail "the post_promote step has no summary"
grep -Eq '^  verify +succeeded' <<< "$(screen)" || fail "no verify step"
snap job
grep -q '^  "primary": "db2",\?$' <<< "$(ctl_json_status)" || fail "pivotd does not see db2 as the primary"

# 6. Resizes: narrower (no line wider than the window), too small, back.
t resize-window -t tui -x 70 -y 20
wait_for "pivot of $cluster, succeeded"
awk 'length($0) > 70 { bad = 1 } END { exit bad }' <<< "$(screen)" || fail "a line is wider than 70 columns"
t resize-window -t tui -x 50 -y 8
wait_for "Terminal too small"
shows "50x8, needs 60x10"
snap too_small
t resize-window -t tui -x 120 -y 40
wait_for "Pivoted $cluster: db2 is the new primary"

# 7. A second pivot cancelled before the fence: c, y; the primary stays.
keys q  # back to pivot status
wait_for "Pivot status of $cluster"
keys p
wait_for "Type the cluster's name and Enter to pivot" 30
keys "$cluster"
wait_for "> ${cluster}_"
rm -f "$gate"
keys Enter
wait_for_re '^  pre_pivot +running'
job_id="$(screen | sed -n 's/.* > job \([^ ]*\) .*/\1/p' | head -n 1)"
[ -n "$job_id" ] || fail "no job id in the title"
keys c
wait_for "Cancel job $job_id?"
keys y
# The gate opens once pivotd has the cancel (its log says so; at most 3 s,
# under the hook's 4.5), or the hook could end first and the job go on.
for _ in $(seq 1 30); do
  grep -q "cancel requested by" "$dir/logs/pivotd.log" 2>/dev/null && break
  sleep 0.1
done
touch "$gate"  # the hook ends; pivotd stops the job before its next step
wait_for "Job $job_id cancelled by demo-operator before the fence: nothing was changed" 20
wait_for "pivot of $cluster, cancelled"
snap cancelled
grep -q '^  "primary": "db2",\?$' <<< "$(ctl_json_status)" || fail "the primary changed after a cancelled pivot"
[ "$(stack_ctl "$dir" --json job "$job_id" | grep -c '"state": "cancelled"')" -ge 1 ] \
  || fail "pivotd does not have $job_id cancelled"

# 8. The jobs and agents lists.
keys J
wait_for "ID "
wait_for_re ' pivot +'"$cluster"' +succeeded'
wait_for_re ' pivot +'"$cluster"' +cancelled'

snap jobs
keys q a
wait_for "BOOT_ID"
# The stream does not carry the agents' counters: opening the screen reads
# them again (the list read when the TUI started had a message or two each).
wait_for_re "^$cluster +db1 +[0-9a-f.]+ +[0-9.]+[smh] ago +([3-9]|[1-9][0-9]+) " 10
[ "$(grep -c "^$cluster " <<< "$(screen)" || true)" -eq 5 ] || fail "the agents list does not show five agents"
snap agents

# 9. pivotd stopped under the TUI: it says it is reconnecting and keeps
# trying; started again: live again, the model read whole (pivotd's new run
# cannot resume the old ids: a reset).
keys q q q  # agents, the job, pivot status: back to the cluster
wait_for "Cluster $cluster: primary db2" 20
stack_stop_group "$dir" pivotd "$dir/run/pivotd.pid"
wait_for "reconnecting to pivotd ... " 10
wait_for "unreachable for" 10
shows "cannot read /v1/events from $controller"
shows "Cluster $cluster: primary db2"  # the last reading stays on screen
snap reconnecting
stack_launch_pivotd "$dir"
wait_for "live again: pivotd answers again after" 30
grep -Eq ' live$' <<< "$(screen | tail -n 1)" || fail "the status line does not say live after the restart"
snap recovered
keys q
wait_for "$cluster "
wait_for_re "^$cluster +environment=demo, owner=[^ ]+ +db2 " 30

keys q
wait_for "TUI-EXITED rc=0" 10
echo "tui_tmux: ok"
