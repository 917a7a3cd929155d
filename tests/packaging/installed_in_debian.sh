#!/usr/bin/env bash
# pivot installed the way an operator installs it, in a booted Debian 12:
#   1. builds the three .debs (cpack) and a second set with a higher version;
#   2. copies the cached bookworm root (debian_root.sh) and boots it with
#      systemd as PID 1 (systemd-nspawn; it shares the host's network, so
#      every port below is chosen free);
#   3. apt installs mariadb-server and the three packages; three MariaDB
#      instances run under Debian's mariadb@.service, read_only=ON in their
#      config, db2 and db3 replicating from db1 with GTID;
#   4. keys, passwords, tokens, configs and a spec placed as
#      docs/operations.md says; pivotd, pivot-agent (db1, from the edited
#      conffile /etc/pivot/agent.yaml) and pivot-agent@db2, @db3 started with
#      systemctl, each active only after its READY=1;
#   5. a SIGSTOPped agent is killed and restarted by the watchdog;
#   6. `pivotctl pivot` to db2 succeeds, its hook ran inside pivotd's
#      sandbox, and the pivot is in the journal;
#   7. systemctl reload reloads pivotd's specs in place; the example hook
#      drop-ins (CAP_NET_ADMIN, group haproxy) take effect;
#   8. an upgrade keeps the edited conffiles and restarts every unit;
#   9. a purge removes what the packages made and leaves the operator's files.
# Where the container cannot boot, the test fails and says why: never skipped.
#   installed_in_debian.sh BUILD_DIR
set -euo pipefail
set -o errtrace
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: installed_in_debian.sh BUILD_DIR}" && pwd)"
started_at=$(date +%s)

say() { echo "[$(( $(date +%s) - started_at ))s] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR

for tool in systemd-nspawn nsenter cpack ss; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps.list: systemd-container, util-linux, cmake, iproute2)"
done
[ "$(id -u)" = 0 ] || fail "booting a container needs root"

work="$(mktemp -d /var/tmp/pivot-installed.XXXXXX)"
nspawn_pid=""
ct_pid=""

# --- cleanup: power the container off, then kill by PID what is left --------
cleanup() {
  local rc=$?
  trap - ERR
  if [ -n "$ct_pid" ] && kill -0 "$ct_pid" 2>/dev/null; then
    nsenter -t "$ct_pid" -a systemctl poweroff >/dev/null 2>&1 || true
  fi
  if [ -n "$nspawn_pid" ]; then
    for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$nspawn_pid" 2>/dev/null; then
      echo "cleanup: the container did not power off in 20 s; killing it" >&2
      # Its systemd first (found again if the boot never got that far): the
      # PID namespace's init takes every process in it along; then nspawn.
      [ -n "$ct_pid" ] || ct_pid="$(find_systemd || true)"
      [ -n "$ct_pid" ] && kill -KILL "$ct_pid" 2>/dev/null || true
      sleep 1
      kill -KILL "$nspawn_pid" 2>/dev/null || true
    fi
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ] && [ -s "$work/nspawn.log" ]; then
    echo "--- the container's console (last 30 lines):" >&2
    tail -30 "$work/nspawn.log" | sed 's/^/    /' >&2
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

# Runs a command inside the booted container (its systemd's namespaces).
ct() { nsenter -t "$ct_pid" -a "$@"; }
# A unit's property, from inside.
prop() { ct systemctl show -p "$2" --value "$1"; }

# Polls COMMAND every 0.5 s for at most SECONDS; fails naming WHAT.
wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what: not within ${seconds} s"
    sleep 0.5
  done
}

# Ports nothing listens on, host-wide (the container shares the network),
# from a band no other test uses (tests: 25000-32000, demo: 20000-22900,
# hand-made clusters: 23000-24999) and below the ephemeral ports (32768 on),
# so that no outgoing connection takes one between the check and the bind.
free_ports() {
  local count="$1" used p out=()
  used="$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -un)"
  while [ ${#out[@]} -lt "$count" ]; do
    p=$(( 17000 + RANDOM % 3000 ))
    grep -qx "$p" <<< "$used" || [[ " ${out[*]} " == *" $p "* ]] || out+=("$p")
  done
  echo "${out[@]}"
}

# --- 1. the packages ---------------------------------------------------------
say "building the packages"
version="$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")"
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake (configure the build first)"
upgrade_version="$version+upgrade1"
arch="$(dpkg --print-architecture)"
(cd "$build" && cpack -G DEB -B "$work/debs" -D CPACK_OUTPUT_FILE_PREFIX="$work/debs" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack"; }
(cd "$build" && cpack -G DEB -B "$work/debs-up" -D CPACK_OUTPUT_FILE_PREFIX="$work/debs-up" -D CPACK_PACKAGE_VERSION="$upgrade_version" >"$work/cpack-up.log" 2>&1) \
  || { cat "$work/cpack-up.log" >&2; fail "cpack (upgrade version)"; }
for p in pivot-agent pivotd pivotctl; do
  ls "$work/debs/${p}_${version}_"*.deb "$work/debs-up/${p}_${upgrade_version}_"*.deb >/dev/null \
    || fail "cpack did not make ${p}'s packages"
done

# --- 2. a booted Debian 12 ----------------------------------------------------
say "preparing the Debian 12 root"
cached="$("$here/debian_root.sh")"
cp -a --reflink=auto "$cached" "$work/root"
mkdir -p "$work/root/root/debs" "$work/root/root/debs-up"
cp "$work/debs/"*.deb "$work/root/root/debs/"
cp "$work/debs-up/"*.deb "$work/root/root/debs-up/"

say "booting it (systemd-nspawn, systemd as PID 1)"
# CAP_NET_ADMIN, which nspawn keeps only for a private network, so that the
# vip-move drop-in's grant of it can be seen (section 8); nothing here
# changes the network.
systemd-nspawn --register=no --keep-unit --console=passive --capability=CAP_NET_ADMIN -D "$work/root" -b \
  >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!
# The container's systemd is the nspawn process's child, or its grandchild
# when nspawn forks a second process (FIELD_NOTES.md).
is_systemd() { [ "$( { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null)" = "/usr/lib/systemd/systemd " ]; }
find_systemd() {
  local child grandchild
  for child in $(ps -o pid= --ppid "$nspawn_pid" || true); do
    if is_systemd "$child"; then echo "$child"; return 0; fi
    for grandchild in $(ps -o pid= --ppid "$child" || true); do
      if is_systemd "$grandchild"; then echo "$grandchild"; return 0; fi
    done
  done
  return 1
}
deadline=$(( $(date +%s) + 30 ))
until ct_pid="$(find_systemd)"; do
  kill -0 "$nspawn_pid" 2>/dev/null || fail "systemd-nspawn exited at once: $(tail -5 "$work/nspawn.log")"
  [ "$(date +%s)" -lt "$deadline" ] || fail "no systemd inside the container after 30 s"
  sleep 0.2
done
booted() { case "$(ct systemctl is-system-running 2>/dev/null)" in running|degraded) return 0;; *) return 1;; esac; }
wait_for 90 "the container's systemd reaching running" booted
say "booted: $(ct systemctl is-system-running || true), systemd PID $ct_pid as the host sees it"

# --- 3. MariaDB and the packages ----------------------------------------------
read -r p1 p2 p3 http events commands <<< "$(free_ports 6)"
ports=([1]=$p1 [2]=$p2 [3]=$p3)
say "ports: mariadb $p1 $p2 $p3, pivotd http $http events $events commands $commands"

say "apt install mariadb-server (its own mariadb.service is kept from starting on 3306)"
ct sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d'
ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mariadb-server mariadb-client \
  >"$work/apt-mariadb.log" 2>&1 || { tail -20 "$work/apt-mariadb.log" >&2; fail "apt install mariadb-server"; }
ct rm -f /usr/sbin/policy-rc.d
ct systemctl disable --now mariadb.service >/dev/null 2>&1

for i in 1 2 3; do
  cat > "$work/root/etc/mysql/mariadb.conf.d/70-db$i.cnf" <<CNF
# mariadb@db$i.service (Debian's multi-instance unit reads [mariadbd.db$i]).
# Every node's settings as docs/operations.md gives them.
[mariadbd.db$i]
port = ${ports[$i]}
bind_address = 127.0.0.1
socket = /run/mysqld/db$i.sock
pid_file = /run/mysqld/db$i.pid
datadir = /var/lib/mysql-db$i
server_id = $i
read_only = ON
log_bin = db$i-bin
log_slave_updates = ON
binlog_format = ROW
gtid_strict_mode = ON
slave_net_timeout = 10
report_host = 127.0.0.1
report_port = ${ports[$i]}
innodb_buffer_pool_size = 32M
CNF
  ct install -d -o mysql -g mysql -m 0750 "/var/lib/mysql-db$i"
done
say "starting mariadb@db1 mariadb@db2 mariadb@db3"
for i in 1 2 3; do
  ct systemctl start "mariadb@db$i" || {
    ct journalctl -u "mariadb@db$i" --no-pager | tail -30 >&2; fail "mariadb@db$i did not start"; }
done
sql() { local i="$1"; shift; ct mariadb --socket="/run/mysqld/db$i.sock" -N -B -e "$*"; }

# Passwords the operator makes; the accounts as docs/operations.md gives them.
pw_pivot="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
pw_repl="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
sql 1 "SET GLOBAL read_only = OFF;
  CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY '$pw_repl';
  GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
  CREATE USER 'pivot'@'127.0.0.1' IDENTIFIED BY '$pw_pivot';
  GRANT PROCESS, CONNECTION ADMIN, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR,
        BINLOG MONITOR, RELOAD, REPLICATION MASTER ADMIN ON *.* TO 'pivot'@'127.0.0.1';
  CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY AUTO_INCREMENT, at TIMESTAMP);
  INSERT INTO app.t (at) VALUES (NOW());"
for i in 2 3; do
  sql "$i" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$p1, MASTER_USER='repl',
    MASTER_PASSWORD='$pw_repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;"
done
caught_up() { [ "$(sql "$1" 'SELECT COUNT(*) FROM app.t' 2>/dev/null)" = "$(sql 1 'SELECT COUNT(*) FROM app.t')" ]; }
wait_for 30 "db2 replicating from db1" caught_up 2
wait_for 30 "db3 replicating from db1" caught_up 3
say "MariaDB: db1 primary on $p1, db2 and db3 replicating (read_only=$(sql 2 'SELECT @@read_only'))"

say "apt install the three packages"
ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "/root/debs/pivot-agent_${version}_${arch}.deb" "/root/debs/pivotd_${version}_${arch}.deb" "/root/debs/pivotctl_${version}_${arch}.deb" \
  >"$work/apt-pivot.log" 2>&1 || { tail -30 "$work/apt-pivot.log" >&2; fail "apt install ./pivot*.deb"; }
ct id pivot >/dev/null || fail "the postinst made no pivot user"
[ "$(ct stat -c '%U:%G %a' /etc/pivot)" = "root:pivot 750" ] || fail "/etc/pivot is $(ct stat -c '%U:%G %a' /etc/pivot), not root:pivot 750"
[ "$(ct stat -c '%U:%G %a' /var/lib/pivot)" = "pivot:pivot 700" ] || fail "/var/lib/pivot is $(ct stat -c '%U:%G %a' /var/lib/pivot)"
[ "$(ct stat -c '%U:%G %a' /var/lib/pivot-agent)" = "pivot:pivot 700" ] || fail "/var/lib/pivot-agent is $(ct stat -c '%U:%G %a' /var/lib/pivot-agent)"
# Installed but not set up: the conditions keep the units quietly inactive.
[ "$(prop pivotd.service ActiveState)" = inactive ] || fail "pivotd started before its key existed"
[ "$(prop pivotd.service ConditionResult)" = no ] || fail "pivotd.service's conditions were not what kept it inactive"

# --- 4. keys, passwords, tokens, configs, spec (docs/operations.md) ------------
say "placing keys, passwords, tokens, configs and the spec"
ct pivotd keygen --out /etc/pivot/keys >/dev/null
ct sh -c 'chgrp pivot /etc/pivot/keys/controller.key && chmod 0640 /etc/pivot/keys/controller.key'
# db1's agent is pivot-agent.service (the usual one mysqld per host); db2's
# and db3's are pivot-agent@db2, @db3 (several on one host), keys in their
# own directories.
ct pivot-agent keygen --out /etc/pivot/keys >/dev/null
ct sh -c 'chgrp pivot /etc/pivot/keys/agent.key && chmod 0640 /etc/pivot/keys/agent.key'
ct cp /etc/pivot/keys/agent.pub /etc/pivot/agents.d/pkgtest.db1.pub
for i in 2 3; do
  ct pivot-agent keygen --out "/etc/pivot/keys/db$i" >/dev/null
  ct sh -c "chgrp -R pivot /etc/pivot/keys/db$i && chmod 0750 /etc/pivot/keys/db$i && chmod 0640 /etc/pivot/keys/db$i/agent.key"
  ct cp "/etc/pivot/keys/db$i/agent.pub" "/etc/pivot/agents.d/pkgtest.db$i.pub"
done
agent_unit() { if [ "$1" = 1 ]; then echo pivot-agent.service; else echo "pivot-agent@db$1.service"; fi; }
agent_config() { if [ "$1" = 1 ]; then echo /etc/pivot/agent.yaml; else echo "/etc/pivot/agent-db$1.yaml"; fi; }
ct sh -c "umask 027; printf '%s\n' '$pw_pivot' > /etc/pivot/mysql-pivot.password; printf '%s\n' '$pw_repl' > /etc/pivot/mysql-repl.password
  chgrp pivot /etc/pivot/mysql-pivot.password /etc/pivot/mysql-repl.password"
token="$(head -c 30 /dev/urandom | base64 | tr -d '/+=')"
ct sh -c "umask 027; printf 'operator pkgtest-operator %s\n' '$token' > /etc/pivot/tokens; chgrp pivot /etc/pivot/tokens
  umask 077; printf '%s\n' '$token' > /root/operator.token"

# The operator's edits of the conffiles: pivotd's ports here, db1's whole
# agent.yaml below (the upgrade must keep both).
ct sed -i -e "s|^http: .*|http: 127.0.0.1:$http|" -e "s|^events_bind: .*|events_bind: tcp://127.0.0.1:$events|" \
  -e "s|^commands_bind: .*|commands_bind: tcp://127.0.0.1:$commands|" /etc/pivot/pivotd.yaml
for i in 1 2 3; do
  cat > "$work/root$(agent_config "$i")" <<YAML
node: db$i
cluster: pkgtest
mysql: {host: 127.0.0.1, port: ${ports[$i]}, user: pivot, password_file: /etc/pivot/mysql-pivot.password}
replication: {user: repl, password_file: /etc/pivot/mysql-repl.password, connect_retry_s: 1, heartbeat_period_s: 1}
controller: {events: "tcp://127.0.0.1:$events", commands: "tcp://127.0.0.1:$commands", public_key: /etc/pivot/keys/controller.pub}
probe_interval_ms: 250
heartbeat_interval_ms: 1000
probe_timeout_ms: 2000
log_level: info
YAML
done
# The hook says who ran it, whether /etc was writable and which capabilities
# it had: proof that it ran inside pivotd's sandbox (and, on the second
# pivot, inside the sandbox the drop-ins widened).
cat > "$work/root/etc/pivot/hooks/route" <<'HOOK'
#!/bin/sh
if touch /etc/pivot/hook-was-here 2>/dev/null; then etc=writable; else etc=read-only; fi
printf 'route -> %s (as %s, /etc %s, CapEff %s)' "$PIVOT_NEW_PRIMARY" "$(id -un)" "$etc" \
  "$(awk '/^CapEff:/ { print $2 }' /proc/self/status)"
HOOK
ct sh -c 'chgrp pivot /etc/pivot/hooks/route && chmod 0750 /etc/pivot/hooks/route'
cat > "$work/root/etc/pivot/clusters.d/pkgtest.yaml" <<YAML
name: pkgtest
labels: {environment: test}
policy:
  max_lag_seconds: 5
  min_replicas: 1
  az_spread: 2
  catch_up_timeout_ms: 5000
  hook_timeout_ms: 5000
  agent_fresh_ms: 3000
  durability: async
nodes:
  - {name: db1, host: 127.0.0.1, port: $p1, az: a, role: primary}
  - {name: db2, host: 127.0.0.1, port: $p2, az: b, role: replica, priority: 10}
  - {name: db3, host: 127.0.0.1, port: $p3, az: c, role: replica}
hooks: {post_promote: /etc/pivot/hooks/route}
YAML
ct runuser -u pivot -- pivotd --check-config --config /etc/pivot/pivotd.yaml >"$work/check-config.log" 2>&1 \
  || { cat "$work/check-config.log" >&2; fail "pivotd --check-config, run as pivot, refused the setup"; }

# --- 5. the units -------------------------------------------------------------
units=(pivotd.service pivot-agent.service pivot-agent@db2.service pivot-agent@db3.service)
say "systemctl enable --now ${units[*]}"
ct systemctl enable --now "${units[@]}" >/dev/null 2>&1 || {
  ct journalctl --no-pager -n 40 -u 'pivot*' >&2; fail "systemctl start"; }
for u in "${units[@]}"; do
  # Type=notify: systemctl start returns once READY=1 came, and not before.
  [ "$(prop "$u" Type)" = notify ] || fail "$u is not Type=notify"
  [ "$(prop "$u" ActiveState)/$(prop "$u" SubState)" = active/running ] \
    || fail "$u is $(prop "$u" ActiveState)/$(prop "$u" SubState) after start"
  [ "$(ct stat -c %U "/proc/$(prop "$u" MainPID)")" = pivot ] || fail "$u does not run as pivot"
done
for i in 1 2 3; do
  [ -n "$(prop "$(agent_unit "$i")" StatusText)" ] || fail "$(agent_unit "$i") sent no STATUS= after its first probe"
done
say "all four units active after READY; agent db2 says: $(prop pivot-agent@db2.service StatusText)"
nofile="$(ct prlimit -n -o SOFT --noheadings -p "$(prop pivotd.service MainPID)" | tr -d ' ')"
say "pivotd's open files limit: $nofile (LimitNOFILE=131072; the host's hard limit caps it)"
[ "$nofile" -gt 1024 ] || fail "pivotd's open files limit is $nofile: LimitNOFILE did not apply"

pctl() { ct timeout "${pctl_timeout:-20}" pivotctl --controller "http://127.0.0.1:$http" --token-file /root/operator.token "$@"; }
wait_for 30 "pivotd seeing all three agents" pctl status pkgtest

# --- 6. the watchdog ----------------------------------------------------------
# pivotd's own: armed (WatchdogSec=) and fed while its bus loops, so it must
# still run under the same PID after the agent's watchdog below (> 10 s).
pivotd_pid="$(prop pivotd.service MainPID)"
[ "$(prop pivotd.service WatchdogUSec)" != 0 ] || fail "pivotd.service has no watchdog"
stopped_pid="$(prop pivot-agent@db3.service MainPID)"
say "SIGSTOP to pivot-agent@db3 (PID $stopped_pid inside); its watchdog: $(prop pivot-agent@db3.service WatchdogUSec)"
ct kill -STOP "$stopped_pid"
restarted() { local p; p="$(prop pivot-agent@db3.service MainPID)"; [ "$p" != 0 ] && [ "$p" != "$stopped_pid" ] \
  && [ "$(prop pivot-agent@db3.service ActiveState)" = active ]; }
wait_for 40 "the watchdog restarting the stopped agent" restarted
ct journalctl --no-pager -u pivot-agent@db3.service -o cat > "$work/db3.journal"
grep -q "Watchdog timeout" "$work/db3.journal" || fail "no watchdog timeout in pivot-agent@db3's journal"
say "watchdog: $(grep -m1 'Watchdog timeout' "$work/db3.journal"); new PID $(prop pivot-agent@db3.service MainPID)"
[ "$(prop pivotd.service MainPID)" = "$pivotd_pid" ] && [ "$(prop pivotd.service NRestarts)" = 0 ] \
  || fail "pivotd was restarted meanwhile (its watchdog was not fed): $(ct journalctl --no-pager -n 5 -u pivotd.service -o cat)"
ct journalctl --no-pager -u pivotd.service -o cat | grep -q "systemd watchdog: WATCHDOG=1 every" \
  || fail "pivotd did not say it feeds its watchdog"
say "pivotd: watchdog $(prop pivotd.service WatchdogUSec), fed, same PID $pivotd_pid"

# --- 7. the pivot ---------------------------------------------------------------
eligible() { pctl pivot-status pkgtest --candidate "$1"; }
wait_for 60 "pkgtest eligible for a pivot to db2" eligible db2
say "pivotctl pivot pkgtest --candidate db2 --yes"
# pivotctl follows the job to its end; the timeout only bounds a hang.
pctl_timeout=120 pctl pivot pkgtest --candidate db2 --yes > "$work/pivot.out" 2>&1 || { cat "$work/pivot.out" >&2; fail "pivotctl pivot"; }
sed 's/^/    /' "$work/pivot.out"
[ "$(sql 2 'SELECT @@read_only')" = 0 ] || fail "db2 is still read-only after the pivot"
[ "$(sql 1 'SELECT @@read_only')" = 1 ] || fail "db1 is writable after the pivot"
[ "$(ct mariadb --socket=/run/mysqld/db1.sock -e 'SHOW SLAVE STATUS\G' | awk '$1 == "Master_Port:" { print $2 }')" = "$p2" ] \
  || fail "db1 does not replicate from db2 after the pivot"
hook_said="route -> 127.0.0.1:$p2 (as pivot, /etc read-only, CapEff 0000000000000000)"
grep -qF "$hook_said" "$work/pivot.out" || fail "the post_promote hook's detail is not '$hook_said'"
ct test ! -e /etc/pivot/hook-was-here || fail "the hook could write /etc/pivot"
job="$(awk '$1 == "Pivot" && $2 == "job" { sub(":", "", $3); print $3 }' "$work/pivot.out")"
[ -n "$job" ] || fail "pivotctl named no pivot job"
ct journalctl --no-pager -u pivotd.service -o cat > "$work/pivotd.journal"
grep -q "job=$job" "$work/pivotd.journal" || fail "pivotd's journal has no line of job $job"
say "journal: $(grep -c "job=$job" "$work/pivotd.journal") lines of job $job in pivotd's, e.g. $(grep -m1 "job=$job" "$work/pivotd.journal")"
ct journalctl --no-pager -u pivot-agent@db2.service -o cat > "$work/db2.journal"
done_here="$(awk -v j="$job" 'index($0, j) && /command done/ { n++ } END { print n + 0 }' "$work/db2.journal")"
[ "$done_here" -gt 0 ] || { tail -20 "$work/db2.journal" >&2; fail "pivot-agent@db2's journal has no command of job $job done"; }
say "journal: pivot-agent@db2 did $done_here commands of $job, e.g. $(awk -v j="$job" 'index($0, j) && /command done/ { print; exit }' "$work/db2.journal")"

# --- 8. reload, and the example hook drop-ins -----------------------------------
pid="$(prop pivotd.service MainPID)"
ct systemctl reload pivotd.service
reloaded() { ct journalctl --no-pager -u pivotd.service -o cat | awk '/reloaded: 1 cluster/ { n++ } END { exit n == 0 }'; }
wait_for 10 "pivotd saying it reloaded after systemctl reload" reloaded
[ "$(prop pivotd.service MainPID)" = "$pid" ] || fail "systemctl reload pivotd restarted it"
say "systemctl reload pivotd: specs reloaded, same PID"
# As an operator installs them (docs/operations.md), haproxy's group standing
# in for the haproxy package.
ct groupadd --system haproxy
ct mkdir -p /etc/systemd/system/pivotd.service.d
ct cp /usr/share/doc/pivotd/examples/hooks/haproxy-switch.conf /usr/share/doc/pivotd/examples/hooks/vip-move.conf \
  /etc/systemd/system/pivotd.service.d/
ct systemctl daemon-reload
ct systemctl restart pivotd.service || { ct journalctl --no-pager -n 20 -u pivotd.service >&2; fail "pivotd with the hook drop-ins"; }
pid="$(prop pivotd.service MainPID)"
ambient="$(ct awk '/^CapAmb:/ { print $2 }' "/proc/$pid/status")"
(( 16#$ambient & (1 << 12) )) || fail "pivotd's ambient capabilities ($ambient) lack CAP_NET_ADMIN with vip-move.conf"
haproxy_gid="$(ct getent group haproxy | cut -d: -f3)"
ct awk -v g="$haproxy_gid" '/^Groups:/ { for (i = 2; i <= NF; i++) if ($i == g) found = 1 } END { exit !found }' "/proc/$pid/status" \
  || fail "pivotd is not in group haproxy with haproxy-switch.conf"
say "drop-ins: pivotd active with CAP_NET_ADMIN (ambient $ambient) and group haproxy"
# A pivot back to db1: its hook now holds CAP_NET_ADMIN (bit 12), and /etc is
# still read-only.
wait_for 60 "pkgtest eligible for a pivot back to db1" eligible db1
pctl_timeout=120 pctl pivot pkgtest --candidate db1 --yes > "$work/pivot-back.out" 2>&1 \
  || { cat "$work/pivot-back.out" >&2; fail "pivotctl pivot back to db1"; }
hook_said="route -> 127.0.0.1:$p1 (as pivot, /etc read-only, CapEff 0000000000001000)"
grep -qF "$hook_said" "$work/pivot-back.out" || { cat "$work/pivot-back.out" >&2; fail "the hook did not say '$hook_said'"; }
[ "$(sql 1 'SELECT @@read_only')" = 0 ] || fail "db1 is read-only after the pivot back"
say "pivot back to db1: $(tail -1 "$work/pivot-back.out"); the hook: $hook_said"

# --- 9. the upgrade -------------------------------------------------------------
declare -A before
for u in "${units[@]}"; do before[$u]="$(prop "$u" MainPID)"; done
edited="$(ct sha256sum /etc/pivot/pivotd.yaml /etc/pivot/agent.yaml)"
say "apt install the $upgrade_version packages"
ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "/root/debs-up/pivot-agent_${upgrade_version}_${arch}.deb" "/root/debs-up/pivotd_${upgrade_version}_${arch}.deb" \
  "/root/debs-up/pivotctl_${upgrade_version}_${arch}.deb" >"$work/apt-upgrade.log" 2>&1 \
  || { tail -30 "$work/apt-upgrade.log" >&2; fail "the upgrade"; }
for p in pivot-agent pivotd pivotctl; do
  [ "$(ct dpkg-query -W -f '${Version}' "$p")" = "$upgrade_version" ] || fail "$p is not at $upgrade_version after the upgrade"
done
[ "$(ct sha256sum /etc/pivot/pivotd.yaml /etc/pivot/agent.yaml)" = "$edited" ] \
  || fail "the upgrade changed an edited conffile: $(ct sha256sum /etc/pivot/pivotd.yaml /etc/pivot/agent.yaml)"
for u in "${units[@]}"; do
  after="$(prop "$u" MainPID)"
  [ "$after" != 0 ] && [ "$after" != "${before[$u]}" ] || fail "$u was not restarted by the upgrade (PID ${before[$u]} -> $after)"
  [ "$(prop "$u" ActiveState)" = active ] || fail "$u is $(prop "$u" ActiveState) after the upgrade"
done
wait_for 30 "pivotd answering after the upgrade" pctl status pkgtest
say "upgrade: edited conffiles kept, all four units restarted and active"

# --- 10. the purge ---------------------------------------------------------------
say "apt purge"
ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q pivot-agent pivotd pivotctl >"$work/apt-purge.log" 2>&1 \
  || { tail -30 "$work/apt-purge.log" >&2; fail "apt purge"; }
for f in /usr/bin/pivotd /usr/bin/pivot-agent /usr/bin/pivotctl /lib/systemd/system/pivotd.service \
         /lib/systemd/system/pivot-agent@.service /etc/pivot/pivotd.yaml /etc/pivot/agent.yaml \
         /var/lib/pivot /var/lib/pivot-agent /usr/share/doc/pivotd; do
  ct test ! -e "$f" || fail "$f is still there after the purge"
done
pivot_uid="$(ct id -u pivot)"
left="$(ct sh -c 'for s in /proc/[0-9]*/status; do awk -v f="$s" "/^Uid:/ { print \$2, f }" "$s" 2>/dev/null; done' | awk -v u="$pivot_uid" '$1 == u')"
[ -z "$left" ] || fail "processes of user pivot run after the purge: $left"
links="$(ct find /etc/systemd/system -name 'pivot*' -not -path '*/pivotd.service.d*')"
[ -z "$links" ] || fail "unit links left after the purge: $links"
ct test -e /etc/pivot/keys/controller.key || fail "the purge removed the operator's controller key"
say "purge: binaries, units, conffiles, state gone; the operator's keys, tokens and specs kept"

say "PASS"
