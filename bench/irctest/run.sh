#!/usr/bin/env bash
# Runs irctest (the IRC conformance suite, progval/irctest) against rxchat, ngIRCd and InspIRCd
# with the same selection, and prints their pass/fail/skip counts side by side.
#
#   bench/irctest/run.sh [SERVER...]          SERVER: rxchat (default: rxchat ngircd inspircd)
#   IRCTEST_DIR=~/irctest FILES="join part" bench/irctest/run.sh rxchat
#
# IRCTEST_DIR: an irctest checkout (default /work/irctest); nothing is copied into it: our
# controller (rxchat_controller.py, beside this script) reaches pytest through PYTHONPATH.
# FILES: irctest/server_tests/*.py names without .py (default: the basic ones below), or "all".
# Needs python3 with pytest; ngircd and inspircd from Debian (apt-get install ngircd inspircd).
# JUnit XML per server and the summary go to bench/irctest/results/ (not committed).
# One run at a time: irctest keeps the ports it hands out in one file under /tmp, and two runs at
# once fail at teardown reading it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
irctest="${IRCTEST_DIR:-/work/irctest}"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(rxchat ngircd inspircd)
basic="connection_registration pingpong messages join part names who quit regressions"
files="${FILES:-$basic}"
# The filter irctest's Makefile uses for ngIRCd and InspIRCd without services.
markers='not services and not implementation-specific and not deprecated and not strict'
out="$here/results"
mkdir -p "$out"

[ -f "$irctest/conftest.py" ] || { echo "no irctest checkout at $irctest (set IRCTEST_DIR)" >&2; exit 2; }
if [ "$files" = all ]; then
  paths=(irctest/server_tests)
else
  paths=()
  for f in $files; do paths+=("irctest/server_tests/$f.py"); done
fi

# InspIRCd refuses to start as root without --runasroot, and Debian's build looks for the
# examples its config includes under /etc/inspircd.
wrap="$(mktemp -d)"
trap 'rm -rf "$wrap"' EXIT
if [ "$(id -u)" = 0 ] && command -v inspircd >/dev/null; then
  printf '#!/bin/sh\nexec %s --runasroot "$@"\n' "$(command -v inspircd)" >"$wrap/inspircd"
  chmod +x "$wrap/inspircd"
  if [ ! -e /etc/inspircd/examples ] && [ -d /usr/share/doc/inspircd/examples ]; then
    ln -s /usr/share/doc/inspircd/examples /etc/inspircd/examples
  fi
fi

for s in "${servers[@]}"; do
  case "$s" in
    rxchat) controller=rxchat_controller; (cd "$repo" && npm run -s build) ;;
    ngircd | inspircd) controller="irctest.controllers.$s" ;;
    *) echo "unknown server $s (rxchat, ngircd, inspircd)" >&2; exit 2 ;;
  esac
  echo "== $s"
  (cd "$irctest" && PATH="$wrap:$PATH" PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" \
    python3 -m pytest -p no:cacheprovider --controller "$controller" -m "$markers" \
    --junitxml="$out/$s.xml" -q -rfE "${paths[@]}" ${PYTEST_ARGS:-}) >"$out/$s.log" 2>&1 || true
  tail -n 1 "$out/$s.log"
done

# pass/fail/skip per server from the JUnit XML (errors count as failures)
python3 - "$out" "${servers[@]}" <<'PY' | tee "$out/summary.txt"
import sys, xml.etree.ElementTree as ET
out, servers = sys.argv[1], sys.argv[2:]
print(f"{'server':10} {'passed':>6} {'failed':>6} {'skipped':>7}")
for s in servers:
    p = f = k = 0
    for case in ET.parse(f"{out}/{s}.xml").iter("testcase"):
        tags = {c.tag for c in case}
        if "failure" in tags or "error" in tags: f += 1
        elif "skipped" in tags: k += 1
        else: p += 1
    print(f"{s:10} {p:6} {f:6} {k:7}")
PY
