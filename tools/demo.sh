#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make demo: real traffic, real spans. Starts a private nginx on 127.0.0.1:18080
# that serves files and proxies /api/ to a Python HTTP server on :18081,
# captures both ports with spantap, sends a few requests with curl, and stops.
# Each proxied request shows four spans: curl's client span, nginx's server
# span, nginx's client span to the backend, and the backend's server span.
set -euo pipefail

spantap=${1:-build/spantap}
py=/usr/bin/python3
work=$(mktemp -d /tmp/spantap-demo.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "the demo loads BPF programs: run it as root (sudo make demo)" >&2
	exit 1
fi

# poll until a TCP port accepts, up to 10 s
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on port $1" >&2
	return 1
}

for port in 18080 18081; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "port $port is in use; the demo needs 18080 and 18081 free" >&2
		exit 1
	fi
done

mkdir -p "$work/www/api" "$work/logs" "$work/backend/api"
echo '<h1>hello from nginx</h1>' >"$work/www/index.html"
echo '{"items": [1, 2, 3]}' >"$work/backend/api/items.json"
chmod -R a+rX "$work"
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 256; }
http {
	access_log $work/logs/access.log;
	client_body_temp_path $work/logs;
	proxy_temp_path $work/logs;
	server {
		listen 127.0.0.1:18080;
		root $work/www;
		location /api/ { proxy_pass http://127.0.0.1:18081; proxy_http_version 1.1; }
	}
}
EOF

echo "== starting nginx on :18080 and a Python backend on :18081"
(cd "$work/backend" && exec env OTEL_SERVICE_NAME=inventory "$py" -m http.server 18081 --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_port 18080
wait_port 18081

echo "== spantap capture --port 18080 --port 18081 --output pretty"
"$spantap" capture --port 18080 --port 18081 --output pretty --duration 30 \
	2> >(tee "$work/spantap.err" >&2) &
cap=$!
for _ in $(seq 200); do
	grep -q capturing "$work/spantap.err" 2>/dev/null && break
	kill -0 $cap 2>/dev/null || { echo "spantap failed to start" >&2; exit 1; }
	sleep 0.1
done

echo "== sending requests with curl"
for path in / /api/items.json /missing /api/nothing-here; do
	curl -s -o /dev/null -w "   curl $path -> %{http_code}\n" "http://127.0.0.1:18080$path"
done
u=http://127.0.0.1:18080/
curl -s -w "   curl $u (keep-alive, 3 on one connection) -> %{http_code}\n" \
	-o /dev/null "$u" -o /dev/null "$u" -o /dev/null "$u"

kill -INT $cap
wait $cap
echo "== done: the spans above came from the kernel; nginx, Python and curl were not touched"
