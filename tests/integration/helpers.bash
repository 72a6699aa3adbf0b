# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Shared helpers of the integration tests; each .bats file does `load helpers`.
#
# The tests run build/spantap (or $SPANTAP) as root against private servers
# on ports 18100-18199 and count the spans it prints. Nothing here waits a
# fixed time: every wait polls for its condition and fails after a timeout.
# Everything a test starts is tracked and killed by the teardown, also when
# the test fails.

SPANTAP=${SPANTAP:-$BATS_TEST_DIRNAME/../../build/spantap}
FIXTURES=$BATS_TEST_DIRNAME/fixtures
PY=/usr/bin/python3

# pids of the processes this test started, killed by teardown
_STARTED_PIDS=()

# --- generic ----------------------------------------------------------------

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
	[ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"
}

# pid_alive PID: the process exists and is not a zombie waiting to be reaped
pid_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_until TIMEOUT_S WHAT COMMAND...: polls COMMAND until it succeeds
wait_until() {
	local timeout=$1 what=$2
	shift 2
	local deadline=$((SECONDS + timeout))
	while ! "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			fail "timed out after ${timeout}s waiting for $what"
			return 1
		fi
		sleep 0.05
	done
}

_track_pid() {
	_STARTED_PIDS+=("$1")
}

# wait_pid_exit PID TIMEOUT_S: waits (bounded) for a child of this shell to
# end, then reaps it; sets WAIT_STATUS to its exit status
wait_pid_exit() {
	local pid=$1 timeout=${2:-20}
	wait_until "$timeout" "process $pid to exit" _not_alive "$pid" || return 1
	WAIT_STATUS=0
	wait "$pid" 2>/dev/null || WAIT_STATUS=$?
}

_not_alive() {
	! pid_alive "$1"
}

# kill_tracked: TERM then KILL every process the test started, and the
# children they forked (nginx's worker), by pid
kill_tracked() {
	local pid kids=()
	for pid in "${_STARTED_PIDS[@]}"; do
		pid_alive "$pid" || continue
		kids+=($(pgrep -P "$pid" || true))
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${_STARTED_PIDS[@]}"; do
		if ! wait_until 5 "pid $pid to exit" _not_alive "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	for pid in "${kids[@]}"; do
		pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
	done
	_STARTED_PIDS=()
}

teardown() {
	kill_tracked
}

# wait_for_port PORT [TIMEOUT_S]: until something listens on TCP PORT.
# Uses ss, not a connection, so spantap sees no traffic from it.
wait_for_port() {
	wait_until "${2:-10}" "a listener on port $1" _listening "$1"
}

_listening() {
	[ -n "$(ss -Hltn "sport = :$1")" ]
}

# --- spantap -----------------------------------------------------------------

# start_spantap ARGS...: runs `spantap capture --duration 60 ARGS...` in the
# background (stdout to $SPANTAP_OUT, stderr to $SPANTAP_ERR) and returns
# once it says it is capturing. A --duration in ARGS overrides the 60.
start_spantap() {
	SPANTAP_OUT=$BATS_TEST_TMPDIR/spantap.out
	SPANTAP_ERR=$BATS_TEST_TMPDIR/spantap.err
	# SPANTAP_CMD=record runs `spantap record` with the same handling
	"$SPANTAP" "${SPANTAP_CMD:-capture}" --duration 60 "$@" >"$SPANTAP_OUT" 2>"$SPANTAP_ERR" 3>&- &
	SPANTAP_PID=$!
	_track_pid "$SPANTAP_PID"
	local deadline=$((SECONDS + 20))
	until grep -q capturing "$SPANTAP_ERR"; do
		if ! pid_alive "$SPANTAP_PID"; then
			fail "spantap exited before capturing; stderr:" "$(cat "$SPANTAP_ERR")"
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			fail "spantap did not say 'capturing' within 20s; stderr:" "$(cat "$SPANTAP_ERR")"
			return 1
		fi
		sleep 0.05
	done
}

# stop_spantap [SIGNAL]: SIGINT (or SIGNAL), waits up to 20s, asserts exit 0
stop_spantap() {
	kill -"${1:-INT}" "$SPANTAP_PID"
	wait_pid_exit "$SPANTAP_PID" 20 || {
		fail "spantap did not exit; stderr:" "$(cat "$SPANTAP_ERR")"
		return 1
	}
	[ "$WAIT_STATUS" -eq 0 ] || fail "spantap exited with $WAIT_STATUS; stderr:" "$(cat "$SPANTAP_ERR")"
}

# attach_mode: the mode `spantap capture` takes here by default, as check
# says (sock-tracepoint, socket or tracepoint)
attach_mode() {
	"$SPANTAP" check 2>/dev/null | sed -nE 's/^ *attach mode +([a-z-]+) .*/\1/p'
}

# counter GROUP NAME: a counter from spantap's final lines, e.g.
# `counter kernel ringbuf_full` or `counter http1 unmatched_responses`
counter() {
	local v
	v=$(sed -nE "s/^spantap: $1: .*[ ,]?\\b$2=([0-9]+).*/\\1/p" "$SPANTAP_ERR" | tail -1)
	[ -n "$v" ] || {
		fail "no counter $1 $2 in spantap's stderr:" "$(cat "$SPANTAP_ERR")"
		return 1
	}
	echo "$v"
}

# assert_no_loss: the kernel dropped nothing and every response had a request
assert_no_loss() {
	local c bad=0
	for c in ringbuf_full conn_map_full args_map_full; do
		assert_eq "$(counter kernel $c)" 0 "kernel $c" || bad=1
	done
	assert_eq "$(counter http1 unmatched_responses)" 0 "http1 unmatched_responses" || bad=1
	[ $bad -eq 0 ] || fail "spantap's counters:" "$(grep '^spantap: [a-z0-9]*: ' "$SPANTAP_ERR")"
}

# spans FILTER: the spans (compact JSON, one a line) passing the jq FILTER,
# e.g. spans 'select(.kind=="server")'
spans() {
	jq -c "${1:-.}" "$SPANTAP_OUT"
}

# spans_where FILTER: how many spans pass the jq FILTER
spans_where() {
	jq -c "${1:-.}" "$SPANTAP_OUT" | wc -l
}

# dump_spans: the spans in short form, for failure messages
dump_spans() {
	jq -r '[.kind, .service_name, .pid, .name, .attributes["url.path"],
		.attributes["http.response.status_code"], .attributes["network.peer.port"],
		.status] | map(tostring) | join(" ")' "$SPANTAP_OUT" 2>&1 | head -300
}

# --- servers -----------------------------------------------------------------

# start_nginx PORT [EXTRA]: a private nginx on 127.0.0.1:PORT, master pid in
# $NGINX_PID, prefix in $NGINX_PREFIX, one access log line per request in
# $NGINX_ACCESS_LOG ("METHOD URI STATUS BYTES"). EXTRA goes into the server
# block, NGINX_LISTEN (e.g. ssl) into its listen directive. Docroot:
# /index.html (small), /small.txt, /large.bin (200 KiB); /created answers
# any method with 201.
start_nginx() {
	local port=$1 extra=${2:-}
	NGINX_PREFIX=$BATS_TEST_TMPDIR/nginx-$port
	mkdir -p "$NGINX_PREFIX"/{html,logs,tmp}
	echo '<html><body>spantap test</body></html>' >"$NGINX_PREFIX/html/index.html"
	echo small >"$NGINX_PREFIX/html/small.txt"
	head -c $((200 * 1024)) /dev/urandom >"$NGINX_PREFIX/html/large.bin"
	NGINX_ACCESS_LOG=$NGINX_PREFIX/logs/access.log
	cat >"$NGINX_PREFIX/nginx.conf" <<EOF
user root root;
worker_processes 1;
pid $NGINX_PREFIX/nginx.pid;
error_log $NGINX_PREFIX/logs/error.log;
events { worker_connections 256; }
http {
	log_format counted '\$request_method \$uri \$status \$body_bytes_sent';
	access_log $NGINX_ACCESS_LOG counted;
	client_body_temp_path $NGINX_PREFIX/tmp;
	proxy_temp_path $NGINX_PREFIX/tmp;
	fastcgi_temp_path $NGINX_PREFIX/tmp;
	uwsgi_temp_path $NGINX_PREFIX/tmp;
	scgi_temp_path $NGINX_PREFIX/tmp;
	default_type application/octet-stream;
	sendfile on;
	keepalive_timeout 65;
	keepalive_requests 100000;
	server {
		listen 127.0.0.1:$port${NGINX_LISTEN:+ $NGINX_LISTEN};
		root $NGINX_PREFIX/html;
		location = /created { return 201 "created\n"; }
		$extra
	}
}
EOF
	: >"$NGINX_ACCESS_LOG"
	nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/logs/error.log" \
		-c "$NGINX_PREFIX/nginx.conf" -g 'daemon off;' \
		>"$NGINX_PREFIX/logs/stdout" 2>&1 3>&- &
	NGINX_PID=$!
	_track_pid "$NGINX_PID"
	wait_for_port "$port" || {
		fail "nginx did not listen on $port:" "$(cat "$NGINX_PREFIX/logs/error.log" "$NGINX_PREFIX/logs/stdout")"
		return 1
	}
}

# stop_nginx: graceful stop (QUIT: finishes and logs every request), bounded
stop_nginx() {
	kill -QUIT "$NGINX_PID"
	wait_pid_exit "$NGINX_PID" 20
}

# access_log_lines: how many requests nginx logged
access_log_lines() {
	wc -l <"$NGINX_ACCESS_LOG"
}

# start_pyserver PORT [NAME=VALUE...]: /usr/bin/python3 -m http.server on
# 127.0.0.1:PORT serving $PYSERVER_ROOT (index.html, hello.txt), with the
# NAME=VALUE pairs in its environment; pid in $PYSERVER_PID
start_pyserver() {
	local port=$1
	shift
	PYSERVER_ROOT=$BATS_TEST_TMPDIR/pyroot-$port
	mkdir -p "$PYSERVER_ROOT"
	echo '<html><body>python</body></html>' >"$PYSERVER_ROOT/index.html"
	echo hello >"$PYSERVER_ROOT/hello.txt"
	env "$@" "$PY" -m http.server "$port" --bind 127.0.0.1 \
		--directory "$PYSERVER_ROOT" >"$BATS_TEST_TMPDIR/pyserver-$port.log" 2>&1 3>&- &
	PYSERVER_PID=$!
	_track_pid "$PYSERVER_PID"
	wait_for_port "$port" || {
		fail "python http.server did not listen on $port:" "$(cat "$BATS_TEST_TMPDIR/pyserver-$port.log")"
		return 1
	}
}

# start_bg LOGNAME COMMAND...: any other background process, tracked; pid in
# $BG_PID, output in $BATS_TEST_TMPDIR/LOGNAME
start_bg() {
	local log=$BATS_TEST_TMPDIR/$1
	shift
	"$@" >"$log" 2>&1 3>&- &
	BG_PID=$!
	_track_pid "$BG_PID"
}
