#!/usr/bin/env bash
# Builds the three .debs with cpack and runs lintian on them: any tag that
# packaging/lintian-explained does not list (with why) fails the test.
#   lintian_clean.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:?usage: lintian_clean.sh BUILD_DIR}" && pwd)"
command -v lintian >/dev/null || { echo "FAIL: lintian is not installed (scripts/deps.list)" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work" -D CPACK_OUTPUT_FILE_PREFIX="$work/debs" >"$work/cpack.log" 2>&1) \
  || { cat "$work/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
shopt -s nullglob
debs=("$work/debs/"*.deb)
[ ${#debs[@]} -eq 3 ] || { echo "FAIL: cpack made ${#debs[@]} packages, not 3" >&2; exit 1; }
# lintian exits non-zero on errors; the tags are judged below, one by one.
lintian --no-tag-display-limit "${debs[@]}" > "$work/lintian.out" 2>&1 || true
status=0
while read -r severity rest; do
  case "$severity" in E:|W:|I:) ;; *) continue ;; esac
  package="${rest%%:*}"
  tag="$(awk '{print $2}' <<< "$rest")"
  if awk -v t="$tag" -v p="$package" '!/^#/ && $1 == t { for (i = 2; i <= NF; i++) if ($i == p) found = 1 } END { exit !found }' \
       "$root/packaging/lintian-explained"; then
    echo "explained: $severity $rest"
  else
    echo "FAIL: not explained in packaging/lintian-explained: $severity $rest"; status=1
  fi
done < "$work/lintian.out"
grep -q "^[EWI]: " "$work/lintian.out" || echo "lintian: no tag at all"
[ $status -eq 0 ] && echo "ok: lintian on ${#debs[@]} packages, every tag explained"
exit $status
