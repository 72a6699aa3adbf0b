#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# How many parent links spantap gets right under load, on services that
# know nothing of tracing: curl -> A (threaded Python) -> B -> nginx, all on
# this node, N requests with P in flight. Every request must make six spans
# joined by five edges; prints how many of the expected edges are right.
#   sudo tools/links-check.sh [N [P]]      (default 2000 requests, 100 in flight)
# Uses ports 18210-18212. A measurement, not a test: exits 0 whatever the
# share, non-zero only when it could not measure.
set -euo pipefail

n=${1:-2000}
p=${2:-100}
top=$(cd "$(dirname "$0")/.." && pwd)
spantap=${SPANTAP:-$top/build/spantap}
py=/usr/bin/python3
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	[ -s "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
die() {
	echo "links-check: cannot measure: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "spantap loads BPF programs: run as root"
[ -x "$spantap" ] || die "no $spantap: build it first (make)"
for c in nginx curl jq xargs; do command -v $c >/dev/null || die "$c is missing"; done

wait_port() {
	for _ in $(seq 200); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.05
	done
	die "nothing listens on $1"
}

mkdir -p "$work/logs"
cat >"$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/logs;
	server { listen 127.0.0.1:18212; location /r/ { return 200 "ok\n"; } }
}
NGX
nginx -p "$work" -c "$work/nginx.conf" || die "nginx did not start"
wait_port 18212
"$py" "$top/tests/integration/fixtures/chain_server.py" 18211 http://127.0.0.1:18212 &
pids+=($!)
"$py" "$top/tests/integration/fixtures/chain_server.py" 18210 http://127.0.0.1:18211 &
pids+=($!)
wait_port 18211
wait_port 18210

"$spantap" capture --port 18210 --port 18211 --port 18212 --output json \
	--no-summary >"$work/spans.json" 2>"$work/err" &
sp=$!
pids+=($sp)
for _ in $(seq 400); do
	grep -q capturing "$work/err" && break
	kill -0 $sp 2>/dev/null || die "spantap exited: $(tail -3 "$work/err")"
	sleep 0.05
done
echo "links-check: $n requests, $p in flight: curl -> A -> B -> nginx" >&2
seq 1 "$n" | xargs -P "$p" -I{} curl -sS -o /dev/null "http://127.0.0.1:18210/r/{}"
# every span of the last requests is written before spantap exits
kill -INT $sp
wait $sp || die "spantap exited badly: $(tail -3 "$work/err")"

jq -r '[.trace_id, .span_id, .parent_span_id, .kind,
	(.attributes["server.port"] | tostring), .attributes["url.path"]] | join("|")' \
	"$work/spans.json" >"$work/spans"
grep '^spantap: links:' "$work/err" >&2 || true
"$py" - "$work/spans" "$n" <<'PY'
import sys
spans = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
want_req = int(sys.argv[2])
by_id = {s[1]: s for s in spans}
# (kind, server port) -> (parent's kind, parent's server port)
want = {("server", "18210"): ("client", "18210"),
        ("client", "18211"): ("server", "18210"),
        ("server", "18211"): ("client", "18211"),
        ("client", "18212"): ("server", "18211"),
        ("server", "18212"): ("client", "18212")}
right = 0
for trace, span, parent, kind, port, path in spans:
    p = by_id.get(parent)
    if (kind, port) in want and p and (p[3], p[4]) == want[(kind, port)] \
            and p[5] == path and p[0] == trace:
        right += 1
edges = 5 * want_req
print(f"links-check: {len(spans)} spans (want {6 * want_req}), "
      f"{right} of {edges} parent edges right ({100.0 * right / edges:.2f} %)")
PY
