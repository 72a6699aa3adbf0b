# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Helpers of the TLS tests (80-tls.bats does `load helpers` then `load tls`):
# a throwaway certificate made at test time, an nginx serving HTTPS, and
# the Python TLS fixtures. Nothing here waits a fixed time.

# make_cert: a self-signed certificate for 127.0.0.1 and localhost (CN
# 127.0.0.1, SAN IP:127.0.0.1 and DNS:localhost), made now in
# $BATS_TEST_TMPDIR/tls; it is its own CA, so clients verify against it.
# Sets TLS_CERT and TLS_KEY (PEM files).
make_cert() {
	local dir=$BATS_TEST_TMPDIR/tls
	mkdir -p "$dir"
	TLS_CERT=$dir/cert.pem
	TLS_KEY=$dir/key.pem
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$TLS_KEY" -out "$TLS_CERT" -days 2 -subj /CN=127.0.0.1 \
		-addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' >"$dir/openssl.log" 2>&1 ||
		fail "openssl req failed:" "$(cat "$dir/openssl.log")"
}

# start_nginx_tls PORT [EXTRA]: like start_nginx, over TLS: a private nginx
# listening with ssl on 127.0.0.1:PORT, certificate from make_cert (made
# here if TLS_CERT is unset). HTTP/1.1 only (no http2 on the listen, so
# ALPN offers no h2), TLS 1.2 and 1.3, no kTLS (nginx then writes through
# SSL_write, never SSL_sendfile). Sets the same variables as start_nginx:
# NGINX_PID, NGINX_PREFIX, NGINX_ACCESS_LOG ("METHOD URI STATUS BYTES"),
# so stop_nginx and access_log_lines work. Docroot as start_nginx's.
# EXTRA goes into the server block.
start_nginx_tls() {
	local port=$1 extra=${2:-}
	[ -n "${TLS_CERT:-}" ] || make_cert || return 1
	NGINX_LISTEN=ssl start_nginx "$port" "
		ssl_certificate $TLS_CERT;
		ssl_certificate_key $TLS_KEY;
		ssl_protocols TLSv1.2 TLSv1.3;
		$extra"
}

# start_tls_server PORT [ARGS...]: fixtures/tls_server.py on 127.0.0.1:PORT
# with the certificate from make_cert (made here if TLS_CERT is unset) and
# ARGS (e.g. --small-writes 5), as service tls-server
# (OTEL_SERVICE_NAME); pid in $TLS_SERVER_PID, stderr in
# $BATS_TEST_TMPDIR/tls-server-PORT.log. Returns once it listens.
start_tls_server() {
	local port=$1
	shift
	[ -n "${TLS_CERT:-}" ] || make_cert || return 1
	TLS_SERVER_LOG=$BATS_TEST_TMPDIR/tls-server-$port.log
	start_bg "tls-server-$port.log" env OTEL_SERVICE_NAME=tls-server \
		"$PY" "$FIXTURES/tls_server.py" "$port" "$TLS_CERT" "$TLS_KEY" "$@"
	TLS_SERVER_PID=$BG_PID
	wait_for_port "$port" || {
		fail "tls_server.py did not listen on $port:" "$(cat "$TLS_SERVER_LOG")"
		return 1
	}
}

# run_tls_client PORT [ARGS...] -- PATH...: fixtures/tls_client.py (service
# tls-client) sends GET PATH for each PATH over one TLS connection to
# 127.0.0.1:PORT, verifying the server against TLS_CERT; waits (bounded)
# for it and fails unless it exits 0. Its "STATUS PATH" lines are in
# $TLS_CLIENT_OUT, its pid in $TLS_CLIENT_PID.
run_tls_client() {
	local port=$1
	shift
	local args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	[ "${1:-}" == -- ] && shift
	TLS_CLIENT_OUT=$BATS_TEST_TMPDIR/tls-client.out
	local err=$BATS_TEST_TMPDIR/tls-client.err
	env OTEL_SERVICE_NAME=tls-client "$PY" "$FIXTURES/tls_client.py" "$port" \
		--cafile "$TLS_CERT" "${args[@]}" "$@" >"$TLS_CLIENT_OUT" 2>"$err" 3>&- &
	TLS_CLIENT_PID=$!
	_track_pid "$TLS_CLIENT_PID"
	wait_pid_exit "$TLS_CLIENT_PID" 30 || return 1
	[ "$WAIT_STATUS" -eq 0 ] || {
		fail "tls_client.py exited $WAIT_STATUS:" "$(cat "$err")" \
			"server log:" "$(cat "${TLS_SERVER_LOG:-/dev/null}" 2>/dev/null)"
		return 1
	}
}

# foreign_uprobes: the processes other than the spantap under test that
# hold uprobes, as "uprobes held by PID (COMM) ...", or nothing: another
# spantap left running puts breakpoints in every process, and valgrind then
# dies of SIGTRAP whatever the one under test does.
foreign_uprobes() {
	local pids p
	pids=$(bpftool -j perf 2>/dev/null |
		jq -r --argjson me "${SPANTAP_PID:-0}" '.[] | select(.fd_type == "uprobe" and .pid != $me) | .pid' |
		sort -un) || true
	[ -n "$pids" ] || return 0
	printf 'uprobes held by'
	for p in $pids; do
		printf ' %s (%s)' "$p" "$(cat /proc/"$p"/comm 2>/dev/null || echo gone)"
	done
	printf ': stop them first\n'
}
