#!/usr/bin/env bash
# Prints the path of a cached Debian 12 (bookworm) minbase root that boots
# with systemd as PID 1, making it first if it is missing: debootstrap,
# systemd installed, and mariadb-server's and the libraries' .debs downloaded
# but not installed, so each run's `apt install mariadb-server` is a real
# install that needs no network (35 s measured here; FIELD_NOTES.md says 70 s
# for debootstrap alone). Runs never boot this root itself: they copy it
# (installed_in_debian.sh), so every run starts from the same clean root.
# Delete CACHE_DIR to refresh it: its apt lists age with it.
#   debian_root.sh [CACHE_DIR]     default /var/cache/pivot-test
set -euo pipefail
cache="${1:-/var/cache/pivot-test}"
root="$cache/bookworm-root"
mirror="${PIVOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9   # two runs at once build the root once
if [ -f "$root/.pivot-root-complete" ]; then
  echo "$root"; exit 0
fi
command -v debootstrap >/dev/null || { echo "debian_root: debootstrap is not installed (scripts/deps.list)" >&2; exit 1; }
rm -rf "$root" "$root.partial"
partial="$root.partial"
echo "debian_root: debootstrap bookworm into $partial (35 to 70 s)" >&2
debootstrap --variant=minbase bookworm "$partial" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
  echo "debian_root: debootstrap failed, last lines of $cache/debootstrap.log:" >&2
  tail -20 "$cache/debootstrap.log" >&2; exit 1; }
cat > "$partial/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# A package's .debs stay in /var/cache/apt/archives for the runs to install.
rm -f "$partial/etc/apt/apt.conf.d/docker-clean"
chroot "$partial" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c '
  set -e
  apt-get update -q
  apt-get install -y -q --no-install-recommends systemd systemd-sysv dbus ca-certificates
  apt-get install -y -q --no-install-recommends --download-only mariadb-server mariadb-client libsystemd0 libzmq5 libspdlog1.10 libmysqlcppconn7v5 libyaml-cpp0.7 libsqlite3-0 libncursesw6
' >"$cache/chroot-install.log" 2>&1 || {
  echo "debian_root: installing systemd in the root failed, see $cache/chroot-install.log:" >&2
  tail -20 "$cache/chroot-install.log" >&2; exit 1; }
# No getty on a console nobody reads; a fixed machine id is rewritten per run.
chroot "$partial" systemctl mask console-getty.service getty@tty1.service >/dev/null 2>&1 || true
touch "$partial/.pivot-root-complete"
mv "$partial" "$root"
echo "$root"
