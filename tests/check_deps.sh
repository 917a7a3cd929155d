#!/usr/bin/env bash
# Proves the install step is complete: every Debian package whose files the
# build and the tests really use is named in scripts/deps.list, or is installed
# as a dependency of a package named there, or is Essential. "Really used" is
# read off the machine, not guessed:
#   - every header the compiler read (the .o.d depfiles of the build tree),
#   - every shared library the built binaries load (ldd) and every static
#     library they link (link.txt),
#   - every program the scripts and tests run (PROGRAMS below: add a program
#     here when a script or test starts running it).
# Usage: tests/check_deps.sh BUILD_DIR [DEPS_LIST]
#        tests/check_deps.sh --self-test BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PROGRAMS=(cmake ctest cpack g++ clang++ pkg-config dpkg-shlibdeps git
          mariadbd mariadb-install-db mariadb mariadb-dump
          ip systemd-analyze ps tmux openssl curl prometheus promtool haproxy socat
          lintian debootstrap systemd-nspawn)

if [ "${1:-}" = "--self-test" ]; then
  # The check must fail when a package that the build uses is left out.
  build="$2"
  trimmed="$(mktemp)"; trap 'rm -f "$trimmed"' EXIT
  grep -vx 'libspdlog-dev' "$root/scripts/deps.list" > "$trimmed"
  if "$0" "$build" "$trimmed" >/dev/null 2>&1; then
    echo "check_deps self-test: a list without libspdlog-dev was accepted" >&2
    exit 1
  fi
  echo "check_deps self-test: a list without libspdlog-dev is refused, as it must be"
  exit 0
fi

build="$(cd "${1:?usage: check_deps.sh BUILD_DIR [DEPS_LIST]}" && pwd)"
list="${2:-$root/scripts/deps.list}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

# 1. Files used.
{
  find "$build" -name '*.o.d' -print0 | xargs -0 -r cat | tr ' \\' '\n\n' | grep '^/' || true
  find "$build" -name link.txt -print0 | xargs -0 -r cat | tr ' ' '\n' | grep -E '^/.*\.(a|so)(\.[0-9.]+)?$' || true
  for f in "$build"/bin/* "$build"/tests/*; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' || true
  done
  for p in "${PROGRAMS[@]}"; do
    if path="$(command -v "$p")"; then echo "$path"; else echo "MISSING-PROGRAM $p"; fi
  done
} | grep -v "^$root/" | grep -v "^$build/" | sort -u > "$work/used"

if grep -q '^MISSING-PROGRAM' "$work/used"; then
  echo "check_deps: programs the scripts run are not installed:" >&2
  grep '^MISSING-PROGRAM' "$work/used" | cut -d' ' -f2 >&2
  exit 1
fi

# Each used path in the spellings dpkg may have recorded it under (merged /usr).
realpath -m -- $(cat "$work/used") | paste -d' ' "$work/used" - | awk '{
  for (i = 1; i <= 2; i++) {
    p = $i; print $1, p
    if (p ~ /^\/usr\/(lib|bin|sbin)\//) print $1, substr(p, 5)
    else if (p ~ /^\/(lib|bin|sbin)\//) print $1, "/usr" p
  }
}' | sort -u > "$work/spellings"

# 2. Which package owns each file (dpkg's file lists, read in one pass).
awk 'FNR == 1 { n = split(FILENAME, parts, "/"); pkg = parts[n]; sub(/\.list$/, "", pkg); sub(/:.*/, "", pkg) }
     { print pkg, $0 }' /var/lib/dpkg/info/*.list > "$work/owners"
awk 'NR == FNR { owner[$2] = owner[$2] " " $1; next }
     { if ($2 in owner) print $1 owner[$2] }' "$work/owners" "$work/spellings" \
  | awk '{ for (i = 2; i <= NF; i++) print $1, $i }' | sort -u > "$work/owned"

# 3. What the list allows: the named packages, what they pull in, Essential ones.
grep -vE '^\s*(#|$)' "$list" | sort -u > "$work/named"
apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances $(cat "$work/named") 2>/dev/null \
  | grep -v '^ ' | tr -d '<>' | sed 's/:.*//' > "$work/allowed"
cat "$work/named" >> "$work/allowed"
dpkg-query -W -f='${Package} ${Essential}\n' | awk '$2 == "yes" {print $1}' >> "$work/allowed"
sort -u -o "$work/allowed" "$work/allowed"

# 4. Every used file must be owned by an allowed package (any of its owners).
bad=0
awk -v list="$list" '
  FILENAME == ARGV[1] { allowed[$1] = 1; next }
  FILENAME == ARGV[2] { owners[$1] = owners[$1] " " $2; if (allowed[$2]) ok[$1] = 1; next }
  {
    if (!($1 in owners)) { print "check_deps: " $1 " belongs to no Debian package (installed by hand?)"; bad = 1 }
    else if (!($1 in ok)) { print "check_deps: " $1 " comes from package(s)" owners[$1] " not named in " list; bad = 1 }
  }
  END { exit bad }' "$work/allowed" "$work/owned" "$work/used" >&2 || bad=1

count=$(wc -l < "$work/used")
if [ "$bad" -ne 0 ]; then
  echo "check_deps: FAILED: add the package(s) above to scripts/deps.list" >&2
  exit 1
fi
echo "check_deps: $count files used by the build and tests all come from packages in $(basename "$list")"
