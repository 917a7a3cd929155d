# shellcheck shell=bash
# The whole product on a local harness cluster, in one directory: a 5-node
# MariaDB cluster (scripts/cluster), CURVE keys for pivotd and every agent,
# operator and viewer tokens, the cluster spec with a post_promote hook that
# switches a route file, pivotd and five pivot-agents. Secure: never --insecure.
# Sourced by scripts/demo, bench/pivot, tests/tui/tui_tmux.sh and scripts/stack
# (the command the system tests run; docs/harness.md); the caller sets
# `set -euo pipefail`.
#
#   stack_start DIR CLUSTER   build and start everything under DIR (empty or absent)
#   stack_stop DIR            stop every process by PID, take the cluster down, remove DIR
#   stack_ctl DIR ARGS...     pivotctl against DIR's pivotd, with its token
#   stack_wait_ready DIR      until pivotd has a fresh state of every node and a primary
#   stack_probe_start DIR OUT LOG   write_probe in route mode on every node, as `app`,
#                             writing (STACK_PROBE_PID set) when it returns; report to OUT
#   stack_probe_stop DIR      stop it (stop file), wait for its report; its exit code
#
# Binaries come from PIVOT_BIN_DIR (default build/bin). What DIR holds:
#   cluster/              the harness cluster (scripts/cluster --dir), or
#   cluster-dir           the path of one given to `scripts/stack up --cluster-dir`
#   keys/controller/      controller.key (0600), controller.pub
#   keys/db<i>/           agent.key (0600), agent.pub
#   agents.d/             <cluster>.db<i>.pub: the agent keys pivotd admits
#   clusters.d/           <cluster>.yaml: the cluster spec
#   hooks/route-traffic   the post_promote hook: appends the new primary to DIR/route
#   route                 host:port of the primary on its last line, the "proxy" write_probe --route follows
#   tokens, operator.token, viewer.token  pivotd's tokens file, the tokens (0600)
#   pivotd.yaml, agents/db<i>.yaml   the configs the processes run with
#   pivotd.extra.yaml     optional, a caller's: appended to pivotd.yaml whenever it is written
#   logs/                 pivotd.log, agent-db<i>.log
#   run/                  pivotd.pid, agent-db<i>.pid, write_probe.pid (while it runs),
#                         spec.revision (scripts/stack's last spec label)
#   stack.env             what stack_* functions read back (ports, binaries)
#   pivotctl.env          for an operator: `. DIR/pivotctl.env`, then plain `pivotctl ...`

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_NODES=5
# Roles and AZs of ARCHITECTURE.md's example spec, by node number.
STACK_ROLES=(primary replica replica backup analytics)
STACK_AZS=(a b c b c)
# Bounded waits, in seconds.
STACK_READY_TIMEOUT_S="${STACK_READY_TIMEOUT_S:-60}"
STACK_STOP_TIMEOUT_S="${STACK_STOP_TIMEOUT_S:-10}"
# 5 MariaDB nodes, then pivotd's HTTP, events and commands ports. Chosen below
# the tests' band (25000-32000, tests/support/src/free_ports.cpp) and the
# 23000-24999 band of hand-made clusters, so a demo and `ctest -j` rarely meet;
# every port is still checked before use.
STACK_PORT_LOW=20000
STACK_PORT_HIGH=22900

stack_note() { echo "stack: $*" >&2; }

# Under `set -e`, a failing command inside a function ends the script without
# the caller's ERR trap unless errtrace is on: `stack_trap_errors NAME` turns
# it on and names, on any failure, the file, line, function and command, then
# HINT (where the logs are). Only the top shell speaks: a failure inside a
# command substitution is reported once, by the line that ran it.
stack_trap_errors() {
  STACK_ERR_NAME="$1" STACK_ERR_HINT="${2:-}"
  set -E
  trap stack_on_error ERR
}
stack_on_error() {
  local rc=$?
  [ "$BASH_SUBSHELL" -eq 0 ] || return 0
  echo "$STACK_ERR_NAME: failed (exit $rc) at ${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]} in ${FUNCNAME[1]:-main}: $BASH_COMMAND" >&2
  [ "${#FUNCNAME[@]}" -le 2 ] || echo "$STACK_ERR_NAME: called from ${FUNCNAME[*]:2}" >&2
  [ -z "$STACK_ERR_HINT" ] || echo "$STACK_ERR_NAME: $STACK_ERR_HINT" >&2
}
stack_die() { echo "stack: $*" >&2; return 1; }

stack_bin() { echo "${PIVOT_BIN_DIR:-$STACK_ROOT/build/bin}"; }

# Ports someone holds on this machine (listening or connected), one per line.
# bash cannot try a bind, so ask the kernel's table (iproute2's ss).
stack_used_ports() {
  { ss -Htan 2>/dev/null || true; } | awk '{ n = split($4, a, ":"); print a[n] }' | sort -un
}

# A base port whose COUNT consecutive ports nobody holds.
stack_pick_base() {
  local count="$1" used base p ok
  used=" $(stack_used_ports | tr '\n' ' ') "
  for _ in $(seq 1 100); do
    base=$(( STACK_PORT_LOW + RANDOM % (STACK_PORT_HIGH - STACK_PORT_LOW) ))
    ok=1
    for (( p = base; p < base + count; p++ )); do
      case "$used" in *" $p "*) ok=0; break ;; esac
    done
    if [ "$ok" = 1 ]; then echo "$base"; return 0; fi
  done
  stack_die "no $count consecutive free ports in $STACK_PORT_LOW-$STACK_PORT_HIGH"
}

# 128 random bits as hex: the operator's API token.
stack_random_token() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# True if PID runs PROGRAM (by argv[0]'s basename) with DIR somewhere in its
# arguments: PIDs wrap, and a stale pid file must never make us signal a stranger.
stack_pid_is_ours() {
  local pid="$1" program="$2" dir="$3" args=() a
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  mapfile -d '' args 2>/dev/null < "/proc/$pid/cmdline" || return 1
  # Just launched, it may still be the setsid in front of it (stack_launch).
  [ "${#args[@]}" -gt 1 ] && [ "$(basename -- "${args[0]}")" = setsid ] && args=("${args[@]:1}")
  [ "${#args[@]}" -gt 0 ] && [ "$(basename -- "${args[0]}")" = "$program" ] || return 1
  for a in "${args[@]:1}"; do
    case "$a" in *"$dir"*) return 0 ;; esac
  done
  return 1
}

# True while PID runs (a zombie, exited but not yet reaped, does not count).
stack_running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# stack_launch PIDFILE LOG DIR PROGRAM ARGS...: starts PROGRAM in its own
# session (a Ctrl-C on the caller's terminal does not reach it), output to
# LOG, its PID to PIDFILE.
# Returns once the PID runs PROGRAM (the fork has exec'd), so that a check of
# the pid file never mistakes the forked shell for an exited process.
stack_launch() {
  local pidfile="$1" log="$2" dir="$3" pid program; shift 3
  # `ip netns exec NS PROGRAM ...` becomes PROGRAM in the same process.
  program="$1"; [ "$1 $2 $3" != "ip netns exec" ] || program="$5"
  setsid "$@" </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" > "$pidfile"
  for _ in $(seq 1 100); do
    stack_pid_is_ours "$pid" "$(basename -- "$program")" "$dir" && return 0
    [ -d "/proc/$pid" ] || break
    sleep 0.02
  done
  stack_die "$program did not start; the end of $log:" || true
  stack_log_tail "$log"
  return 1
}

# What the spec says (stack_write_spec), set before calling it: the demo's
# values by default. Hooks and priorities as NAME=VALUE words.
STACK_SPEC_MIN_REPLICAS=2
STACK_SPEC_AZ_SPREAD=2
STACK_SPEC_CATCH_UP_MS=5000
STACK_SPEC_DURABILITY=async
STACK_SPEC_AUTO_FAILOVER=false
STACK_SPEC_COOLDOWN_S=3600
STACK_SPEC_HOOKS=()      # e.g. post_promote=/path/to/hook
STACK_SPEC_PRIORITY=()   # e.g. db2=10
STACK_SPEC_ROLES=()      # e.g. db4=replica (default: STACK_ROLES)
STACK_SPEC_NODES=""      # e.g. "1 2 3": the nodes the spec lists (default: every node)
STACK_SPEC_REVISION=""   # a label pivotd echoes, so a reload can be waited for
# The address pivotd's events and commands endpoints listen on (agents reach
# it there); its HTTP API stays on 127.0.0.1. Another address when pivotd
# runs in a network namespace (docs/harness.md "Partitions").
STACK_CONTROLLER_HOST=127.0.0.1
STACK_SPEC_DEMO=1        # stack_write_configs adds the route-traffic hook and db2's priority
# pivotd's log level (the agents': info).
STACK_LOG_LEVEL="${STACK_LOG_LEVEL:-info}"
# The operator token's name: a job's requested_by.
STACK_OPERATOR_NAME=demo-operator

# stack_write_configs DIR CLUSTER BASE BIN [HTTP]: everything but the keys.
# BASE is node 1's port (node i: BASE+i-1); pivotd's HTTP, events and
# commands ports are HTTP, HTTP+1, HTTP+2 (default: right after the nodes).
stack_write_configs() {
  local dir="$1" cluster="$2" base="$3" bin="$4" http="${5:-$(( $3 + STACK_NODES ))}"
  stack_write_tokens "$dir"
  stack_write_route_hook "$dir" "$base"
  # min_replicas 2: after a pivot between db1, db2 and db3, the other two
  # replicate from the new primary (backup and analytics do not count).
  # db2's priority, as in ARCHITECTURE.md's example, makes it the preferred
  # candidate when db2 and db3 are equally caught up.
  if [ "$STACK_SPEC_DEMO" = 1 ]; then
    STACK_SPEC_HOOKS=("post_promote=$dir/hooks/route-traffic")
    STACK_SPEC_PRIORITY=(db2=10)
  fi
  stack_write_spec "$dir" "$cluster" "$base"
  stack_write_ports "$dir" "$cluster" "$base" "$bin" "$http"
}

# What names pivotd's ports (HTTP, HTTP+1, HTTP+2): its config, the agents'
# configs, stack.env and pivotctl.env. Rewritten alone when pivotd found one
# of them taken (scripts/stack start pivotd).
stack_write_ports() {
  local dir="$1" cluster="$2" base="$3" bin="$4" http="$5"
  stack_write_pivotd_config "$dir" "$http"
  stack_write_agent_configs "$dir" "$cluster" "$base" "$http"
  cat > "$dir/stack.env" <<ENV
STACK_CLUSTER=$(printf %q "$cluster")
STACK_NODES=$STACK_NODES
STACK_BASE_PORT=$base
STACK_HTTP_PORT=$http
STACK_EVENTS_PORT=$(( http + 1 ))
STACK_COMMANDS_PORT=$(( http + 2 ))
STACK_BIN_DIR=$(printf %q "$bin")
STACK_CLUSTER_DIR=$(printf %q "$(stack_cluster_dir "$dir")")
STACK_LOG_LEVEL=$(printf %q "$STACK_LOG_LEVEL")
STACK_CONTROLLER_HOST=$(printf %q "$STACK_CONTROLLER_HOST")
ENV
  cat > "$dir/pivotctl.env" <<ENV
# Source this file (. $dir/pivotctl.env): pivotctl then talks to the demo's
# pivotd with the operator's token.
export PATH=$(printf %q "$bin"):"\$PATH"
export PIVOT_CONTROLLER=http://127.0.0.1:$http
PIVOT_TOKEN="\$(cat $(printf %q "$dir/operator.token"))"
export PIVOT_TOKEN
ENV
}

# The cluster under DIR: its own (DIR/cluster), or the one `scripts/stack up
# --cluster-dir` was given (named in DIR/cluster-dir; down leaves it running).
stack_cluster_dir() {
  if [ -r "$1/cluster-dir" ]; then cat "$1/cluster-dir"; else echo "$1/cluster"; fi
}

# The address node $2 of DIR's cluster listens on, and the network namespace
# its server (and so its agent) runs in (empty: none), as cluster.env says.
stack_node_host() { (. "$(stack_cluster_dir "$1")/cluster.env"; v="NODE$2_HOST"; echo "${!v:-127.0.0.1}"); }
stack_node_netns() { (. "$(stack_cluster_dir "$1")/cluster.env"; v="NODE$2_NETNS"; echo "${!v:-}"); }

# The operator's and a viewer's tokens. umask: the files are never visible
# with a wider mode.
stack_write_tokens() {
  local dir="$1" token viewer
  token="$(stack_random_token)" viewer="$(stack_random_token)"
  ( umask 077
    printf '%s\n' "$token" > "$dir/operator.token"
    printf '%s\n' "$viewer" > "$dir/viewer.token"
    printf '# pivotd tokens: operator|viewer NAME TOKEN\noperator %s %s\nviewer demo-viewer %s\n' \
      "$STACK_OPERATOR_NAME" "$token" "$viewer" > "$dir/tokens" )
}

# The traffic switch. pivotd runs it right after the promotion, on the
# write-blocked path; write_probe --route re-reads the file every tick and
# follows its last complete line, so the appended line is the moment clients
# move. Appending needs no process but the shell: a `mv` of a file written
# aside cost a second process start, post_promote 10-12 ms against 5-6 in
# bench/pivot on a 2-core VM (docs/benchmarks.md). A reader that takes only
# complete lines never sees an append half done.
stack_write_route_hook() {
  local dir="$1" base="$2"
  cat > "$dir/hooks/route-traffic" <<HOOK
#!/bin/sh
# post_promote hook: route the clients (here: write_probe --route) to the new primary.
set -e
printf '%s\n' "\$PIVOT_NEW_PRIMARY" >> "$dir/route"
printf 'route -> %s' "\$PIVOT_NEW_PRIMARY"  # no newline: it is the step's detail
HOOK
  chmod 0755 "$dir/hooks/route-traffic"
  printf '127.0.0.1:%s\n' "$base" > "$dir/route"
}

# The node numbers the spec lists: STACK_SPEC_NODES, or every node of the
# cluster (a test leaves some out to add them later, as a node restored from
# a backup joins a running cluster).
stack_spec_nodes() {
  if [ -n "$STACK_SPEC_NODES" ]; then echo "$STACK_SPEC_NODES"; else seq -s ' ' 1 "$STACK_NODES"; fi
}

# How many nodes the written spec of DIR lists (what `wait` waits for).
stack_spec_node_count() {
  local dir="$1" cluster="$2"
  awk '/^  - \{name: / { n++ } END { print n + 0 }' "$dir/clusters.d/$cluster.yaml"
}

# The cluster spec from STACK_SPEC_*: node i is db<i> on BASE+i-1, roles and
# AZs as in ARCHITECTURE.md's example (nodes past 5: replicas in AZ a).
# Written to a temporary file and renamed: a pivotd reloading on SIGHUP never
# reads half of it.
stack_write_spec() {
  local dir="$1" cluster="$2" base="$3" i name pri role az kv spec="$1/clusters.d/$2.yaml"
  {
    printf 'name: %s\n' "$cluster"
    printf 'labels: {environment: demo, owner: "%s"%s}\n' "${USER:-$(id -un)}" \
      "${STACK_SPEC_REVISION:+, revision: \"$STACK_SPEC_REVISION\"}"
    printf 'policy:\n  max_lag_seconds: 5\n  min_replicas: %s\n  az_spread: %s\n' \
      "$STACK_SPEC_MIN_REPLICAS" "$STACK_SPEC_AZ_SPREAD"
    # agent_dead_ms above the harness's slave_net_timeout (3 s): no warning.
    printf '  catch_up_timeout_ms: %s\n  hook_timeout_ms: 5000\n  agent_fresh_ms: 3000\n  agent_dead_ms: 5000\n' "$STACK_SPEC_CATCH_UP_MS"
    printf '  durability: %s\n' "$STACK_SPEC_DURABILITY"
    printf '  auto_failover: %s\n  failover_cooldown_s: %s\n' "$STACK_SPEC_AUTO_FAILOVER" "$STACK_SPEC_COOLDOWN_S"
    printf 'nodes:\n'
    for i in $(stack_spec_nodes); do
      name="db$i" pri="" role="${STACK_ROLES[i-1]:-replica}" az="${STACK_AZS[i-1]:-a}"
      for kv in "${STACK_SPEC_PRIORITY[@]+"${STACK_SPEC_PRIORITY[@]}"}"; do
        [ "${kv%%=*}" != "$name" ] || pri=", priority: ${kv#*=}"
      done
      for kv in "${STACK_SPEC_ROLES[@]+"${STACK_SPEC_ROLES[@]}"}"; do
        [ "${kv%%=*}" != "$name" ] || role="${kv#*=}"
      done
      printf '  - {name: %s, host: %s, port: %d, az: %s, role: %s%s}\n' \
        "$name" "$(stack_node_host "$dir" "$i")" $(( base + i - 1 )) "$az" "$role" "$pri"
    done
    if [ "${#STACK_SPEC_HOOKS[@]}" -gt 0 ]; then
      printf 'hooks: {'
      i=0
      for kv in "${STACK_SPEC_HOOKS[@]}"; do
        printf '%s%s: "%s"' "$([ "$i" = 0 ] || echo ', ')" "${kv%%=*}" "${kv#*=}"
        i=$(( i + 1 ))
      done
      printf '}\n'
    fi
  } > "$spec.tmp"
  mv -f "$spec.tmp" "$spec"
}

stack_write_pivotd_config() {
  local dir="$1" http="$2"
  cat > "$dir/pivotd.yaml" <<YAML
clusters_dir: "$dir/clusters.d"
state_dir: "$dir/state/pivotd"
http: 127.0.0.1:$http
events_bind: tcp://$STACK_CONTROLLER_HOST:$(( http + 1 ))
commands_bind: tcp://$STACK_CONTROLLER_HOST:$(( http + 2 ))
key: "$dir/keys/controller/controller.key"
agent_keys: "$dir/agents.d"
tokens_file: "$dir/tokens"
log_level: $STACK_LOG_LEVEL
YAML
  # A test's own settings (the event stream's short keep-alive, say) survive
  # a rewrite of the ports.
  [ ! -f "$dir/pivotd.extra.yaml" ] || cat "$dir/pivotd.extra.yaml" >> "$dir/pivotd.yaml"
}

# Probing every 100 ms (default 250) lets pivotd see a finished step's
# effect sooner; five agents still cost little (docs/benchmarks.md). A
# cluster made with --ssl has a repl account that REQUIRES SSL: a node the
# pivot points at a source for the first time (the old primary) needs the
# TLS settings from here.
stack_write_agent_configs() {
  local dir="$1" cluster="$2" base="$3" http="$4" i name cdir tls=""
  local SSL=0 SSL_CA=""
  cdir="$(stack_cluster_dir "$dir")"
  # shellcheck source=/dev/null
  SSL="$(. "$cdir/cluster.env" && echo "${SSL:-0}")" SSL_CA="$(. "$cdir/cluster.env" && echo "${SSL_CA:-}")"
  [ "$SSL" = 0 ] || tls=", ssl: true, ssl_ca: \"$SSL_CA\""
  for (( i = 1; i <= STACK_NODES; i++ )); do
    name="db$i"
    cat > "$dir/agents/$name.yaml" <<YAML
node: $name
cluster: $cluster
mysql: {host: $(stack_node_host "$dir" "$i"), port: $(( base + i - 1 )), user: pivot, password_file: "$cdir/pivot.password"}
replication: {user: repl, password_file: "$cdir/repl.password", connect_retry_s: 1, heartbeat_period_s: 1$tls}
controller: {events: "tcp://$STACK_CONTROLLER_HOST:$(( http + 1 ))", commands: "tcp://$STACK_CONTROLLER_HOST:$(( http + 2 ))", public_key: "$dir/keys/controller/controller.pub"}
key: "$dir/keys/$name/agent.key"
state_dir: "$dir/state/$name"
probe_interval_ms: 100
heartbeat_interval_ms: 500
probe_timeout_ms: 2000
log_level: info
YAML
  done
}

stack_keys() {
  local dir="$1" cluster="$2" bin="$3" i
  "$bin/pivotd" keygen --out "$dir/keys/controller" >/dev/null
  for (( i = 1; i <= STACK_NODES; i++ )); do
    "$bin/pivot-agent" keygen --out "$dir/keys/db$i" >/dev/null
    cp "$dir/keys/db$i/agent.pub" "$dir/agents.d/$cluster.db$i.pub"
  done
}

# The tail of a log, indented, for a failure message.
stack_log_tail() {
  if [ -r "$1" ]; then tail -n "${2:-15}" "$1" | sed 's/^/    /' >&2; fi
}

# Fails (with its log) if a process of the stack is no longer running.
stack_check_alive() {
  local dir="$1" pidfile name program
  for pidfile in "$dir/run/pivotd.pid" "$dir"/run/agent-*.pid; do
    [ -e "$pidfile" ] || continue
    name="$(basename "$pidfile" .pid)"
    case "$name" in pivotd) program=pivotd ;; *) program=pivot-agent ;; esac
    if ! stack_pid_is_ours "$(cat "$pidfile")" "$program" "$dir"; then
      stack_note "$name exited; the end of $dir/logs/$name.log:"
      stack_log_tail "$dir/logs/$name.log"
      return 1
    fi
  done
}

stack_ctl() {
  local dir="$1"; shift
  local STACK_CLUSTER STACK_NODES STACK_BASE_PORT STACK_HTTP_PORT STACK_BIN_DIR STACK_CLUSTER_DIR
  # shellcheck source=/dev/null
  . "$dir/stack.env"
  "$STACK_BIN_DIR/pivotctl" --controller "http://127.0.0.1:$STACK_HTTP_PORT" --token-file "$dir/operator.token" "$@"
}

# How far `pivotctl --json status` is from ready, as "FRESH NULLS PRIMARY":
# nodes with a state younger than 2 s, nodes with no state yet, the observed
# primary ("-" for none). The JSON is pretty-printed with sorted keys and
# two-space indentation, so the top-level "primary" is the one line indented
# by exactly two spaces (jq is not installed everywhere). awk alone: it finds
# nothing without failing, where grep under `set -o pipefail` ends the script
# (the first poll comes before any agent has reported: issue 11).
stack_readiness() {
  awk '
    { while (match($0, /"age_ms": [0-9]+/)) { if (substr($0, RSTART + 10, RLENGTH - 10) + 0 < 2000) fresh++; $0 = substr($0, RSTART + RLENGTH) } }
    /"state": null/ { nulls++ }
    /^  "primary": "[^"]+",?$/ { p = $0; sub(/^  "primary": "/, "", p); sub(/",?$/, "", p); primary = p }
    END { printf "%d %d %s\n", fresh, nulls, (primary == "" ? "-" : primary) }'
}

# Ready: pivotd answers, every node has a state younger than 2 s, and pivotd
# names a primary.
stack_wait_ready() {
  local dir="$1" deadline json fresh nulls primary said="" STACK_CLUSTER STACK_NODES STACK_BASE_PORT STACK_HTTP_PORT STACK_BIN_DIR STACK_CLUSTER_DIR
  # shellcheck source=/dev/null
  . "$dir/stack.env"
  deadline=$(( SECONDS + STACK_READY_TIMEOUT_S ))
  # The nodes the spec lists: a node of the cluster left out of it is not waited for.
  STACK_NODES="$(stack_spec_node_count "$dir" "$STACK_CLUSTER")"
  fresh=0 nulls="$STACK_NODES" primary=-
  while :; do
    if json="$(stack_ctl "$dir" --json status "$STACK_CLUSTER" 2>/dev/null)"; then
      read -r fresh nulls primary < <(stack_readiness <<< "$json")
      if [ "$fresh" -eq "$STACK_NODES" ] && [ "$nulls" -eq 0 ] && [ "$primary" != - ]; then
        return 0
      fi
      if [ -z "$said" ]; then
        stack_note "waiting for pivotd to see all $STACK_NODES nodes (now: $fresh fresh, $nulls never reported, primary $primary)"
        said=1
      fi
    fi
    stack_check_alive "$dir" || return 1
    if [ "$SECONDS" -ge "$deadline" ]; then
      stack_note "pivotd did not see all $STACK_NODES nodes of $STACK_CLUSTER within ${STACK_READY_TIMEOUT_S} s (last seen: $fresh fresh, $nulls never reported, primary $primary); the end of $dir/logs/pivotd.log:"
      stack_log_tail "$dir/logs/pivotd.log" 25
      return 1
    fi
    sleep 0.2
  done
}

stack_start() {
  local dir="$1" cluster="$2" bin
  bin="$(stack_check_bins)" || return 1
  stack_make_dir "$dir" || return 1
  stack_cluster_up "$dir" "$cluster" || return 1
  stack_keys "$dir" "$cluster" "$bin"
  stack_write_configs "$dir" "$cluster" "$STACK_CLUSTER_BASE" "$bin"
  stack_launch_pivotd "$dir"
  if [ "${STACK_AGENTS_DELAY_S:-0}" != 0 ]; then
    # The race of issue 11 on purpose (ctest demo_agents_start_late): pivotd
    # answers for seconds while no agent has reported, and the wait must wait.
    stack_note "agents start ${STACK_AGENTS_DELAY_S} s after pivotd (STACK_AGENTS_DELAY_S)"
    ( sleep "$STACK_AGENTS_DELAY_S"; stack_launch_agents "$dir" "$bin" ) &
  else
    stack_launch_agents "$dir" "$bin"
  fi
  stack_wait_ready "$dir"
}

# The binaries' directory, absolute, once every program the stack runs is there.
stack_check_bins() {
  local bin p
  bin="$(stack_bin)"
  for p in pivotd pivot-agent pivotctl write_probe; do
    [ -x "$bin/$p" ] || stack_die "$bin/$p is missing: build first (scripts/build), or set PIVOT_BIN_DIR" || return 1
  done
  (cd "$bin" && pwd)
}

# DIR, empty or absent, becomes a stack's directory.
stack_make_dir() {
  local dir="$1"
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    stack_die "$dir is not empty (stack_stop it first)" || return 1
  fi
  mkdir -p "$dir"
  : > "$dir/.pivot-stack"  # marks the dir as ours: stack_stop removes nothing else
  mkdir -p "$dir"/{keys,agents.d,clusters.d,state,hooks,logs,run,agents}
}

# A cluster of STACK_NODES under DIR/cluster, its base port in
# STACK_CLUSTER_BASE; pivotd's three ports follow the nodes'. scripts/cluster
# says 3 when one of its ports was taken meanwhile; then another base is
# tried. Returns 3 when five bases were taken.
stack_cluster_up() {
  local dir="$1" cluster="$2" base rc attempt
  for attempt in 1 2 3 4 5; do
    base="$(stack_pick_base $(( STACK_NODES + 3 )))" || return 1
    rc=0
    "$STACK_ROOT/scripts/cluster" up --name "$cluster" --nodes "$STACK_NODES" --base-port "$base" \
      --dir "$dir/cluster" ${STACK_CLUSTER_SSL:+--ssl} || rc=$?
    [ "$rc" -eq 3 ] || break
    stack_note "ports from $base were taken; trying others (attempt $attempt)"
  done
  [ "$rc" -eq 0 ] || { stack_note "scripts/cluster up failed (exit $rc)"; return "$rc"; }
  STACK_CLUSTER_BASE="$base"
}

# pivotd with DIR's config; PIVOT_FAILPOINT set in the caller's environment
# starts it with --enable-failpoints (docs/pivotd.md).
stack_launch_pivotd() {
  local dir="$1" STACK_CLUSTER STACK_NODES STACK_BASE_PORT STACK_HTTP_PORT STACK_BIN_DIR STACK_CLUSTER_DIR
  # shellcheck source=/dev/null
  . "$dir/stack.env"
  stack_launch "$dir/run/pivotd.pid" "$dir/logs/pivotd.log" "$dir" "$STACK_BIN_DIR/pivotd" --config "$dir/pivotd.yaml" \
    ${PIVOT_FAILPOINT:+--enable-failpoints}
}

stack_launch_agents() {
  local dir="$1" bin="$2" i
  for (( i = 1; i <= STACK_NODES; i++ )); do stack_launch_agent "$dir" "$bin" "db$i"; done
}

# An agent runs beside its mysqld: in the node's network namespace if it has one.
stack_launch_agent() {
  local dir="$1" bin="$2" name="$3" ns pid
  # A second agent for the node would take the pid file and outlive `down`.
  pid="$(cat "$dir/run/agent-$name.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && stack_pid_is_ours "$pid" pivot-agent "$dir"; then
    stack_die "agent $name runs already (pid $pid)"
    return 1
  fi
  ns="$(stack_node_netns "$dir" "${name#db}")"
  stack_launch "$dir/run/agent-$name.pid" "$dir/logs/agent-$name.log" "$dir" \
    ${ns:+ip netns exec "$ns"} "$bin/pivot-agent" --config "$dir/agents/$name.yaml"
}

# write_probe follows DIR/route (the hook switches it) and writes every 5 ms;
# it runs until the stop file appears, then settles (bounded: 20 s) and
# prints its one JSON line to OUT. It is the caller's child (not setsid): it
# lives only as long as the measurement.
stack_probe_start() {
  local dir="$1" out="$2" log="$3" nodes="" i STACK_CLUSTER STACK_NODES STACK_BASE_PORT STACK_HTTP_PORT STACK_BIN_DIR STACK_CLUSTER_DIR
  # shellcheck source=/dev/null
  . "$dir/stack.env"
  for (( i = 0; i < STACK_NODES; i++ )); do nodes+="${nodes:+,}127.0.0.1:$(( STACK_BASE_PORT + i ))"; done
  rm -f "$dir/run/probe.stop" "$dir/run/probe.ready"
  "$STACK_BIN_DIR/write_probe" --nodes "$nodes" --route "$dir/route" --user app \
    --password-file "$STACK_CLUSTER_DIR/app.password" --database pivot_test \
    --stop-file "$dir/run/probe.stop" --ready-file "$dir/run/probe.ready" \
    --settle-timeout-ms 20000 </dev/null > "$out" 2> "$log" &
  STACK_PROBE_PID=$!
  echo "$STACK_PROBE_PID" > "$dir/run/write_probe.pid"
  for _ in $(seq 1 100); do
    [ -e "$dir/run/probe.ready" ] && return 0
    stack_running "$STACK_PROBE_PID" || break
    sleep 0.1
  done
  stack_note "write_probe did not start writing within 10 s; the end of $log:"
  stack_log_tail "$log"
  return 1
}

stack_probe_stop() {
  local dir="$1" rc=0
  : > "$dir/run/probe.stop"
  # It stops within its 1 s session timeout, then settles (<= 20 s).
  for _ in $(seq 1 300); do
    stack_running "$STACK_PROBE_PID" || break
    sleep 0.1
  done
  if stack_running "$STACK_PROBE_PID"; then
    stack_note "write_probe still running 30 s after its stop file; SIGTERM"
    kill -TERM "$STACK_PROBE_PID" 2>/dev/null || true
  fi
  wait "$STACK_PROBE_PID" || rc=$?
  rm -f "$dir/run/write_probe.pid"
  return "$rc"
}

# The value of KEY in write_probe's report FILE (one compact JSON line, keys
# sorted: a top-level key comes before the per-node objects under "nodes", so
# the first occurrence is the top-level one). sed and grep: neither jq nor
# python3 is in scripts/deps.list.
stack_probe_field() {
  awk -v key="\"$1\":" '{ i = index($0, key); if (i) { v = substr($0, i + length(key)); sub(/[,}].*/, "", v); print v; exit } }' "$2"
}

# SIGTERM to every process named by PIDFILES that is still PROGRAM under DIR,
# a bounded wait, then SIGKILL for the ones left.
stack_stop_group() {
  local dir="$1" program="$2" pidfile pid pids=() alive deadline; shift 2
  for pidfile in "$@"; do
    [ -r "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if stack_pid_is_ours "$pid" "$program" "$dir"; then
      kill -CONT "$pid" 2>/dev/null || true  # a paused (SIGSTOPped) one would not end
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$(( SECONDS + STACK_STOP_TIMEOUT_S ))
  while [ "${#pids[@]}" -gt 0 ]; do
    alive=()
    for pid in "${pids[@]}"; do
      # A zombie (our own child, not yet reaped) has an empty cmdline: gone.
      if stack_pid_is_ours "$pid" "$program" "$dir"; then alive+=("$pid"); fi
    done
    pids=("${alive[@]+"${alive[@]}"}")
    [ "${#pids[@]}" -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      stack_note "$program (pid ${pids[*]}) still running ${STACK_STOP_TIMEOUT_S} s after SIGTERM; SIGKILL"
      kill -KILL "${pids[@]}" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
}

# Stops what `stack_start` started under DIR, then removes DIR. Idempotent:
# an absent DIR is fine; a non-empty DIR that is not a stack is refused.
stack_stop() {
  local dir="$1"
  [ -e "$dir" ] || return 0
  if [ -n "$(ls -A "$dir")" ] && [ ! -e "$dir/.pivot-stack" ]; then
    stack_die "$dir does not look like a pivot stack (no .pivot-stack); not removing it" || return 1
  fi
  # A probe left by an interrupted run, then the agents, so that pivotd never
  # watches a half-gone cluster.
  stack_stop_group "$dir" write_probe "$dir/run/write_probe.pid"
  stack_stop_group "$dir" pivot-agent "$dir"/run/agent-*.pid
  stack_stop_group "$dir" pivotd "$dir/run/pivotd.pid"
  # A cluster given to `scripts/stack up --cluster-dir` is its owner's to take down.
  [ -e "$dir/cluster-dir" ] || "$STACK_ROOT/scripts/cluster" down --dir "$dir/cluster" >/dev/null
  rm -rf -- "$dir"
}
