#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# HTTPS through OpenSSL linked statically into an executable: no libssl.so
# is mapped, so spantap must find SSL_read/SSL_write (and the rest) in the
# main executable's symbols and attach its uprobes there. The client,
# fixtures/tls_static_client.c, is built at test time with libssl.a and
# libcrypto.a (libssl-dev); the server is nginx over the shared libssl.
# The certificate is made per test (make_cert, in $BATS_TEST_TMPDIR).

load helpers
load tls

PORT=18194

# the requests the client sends, in order, on one connection, and what
# start_nginx_tls's docroot answers (/index.html, /small.txt; else 404)
PATHS=(/index.html /small.txt /missing/1 /index.html /index.html)

# all seven functions spantap probes in OpenSSL
SSL_FUNCS=(SSL_read SSL_write SSL_read_ex SSL_write_ex SSL_do_handshake)

setup() {
	make_cert
}

# build_static_client BIN: fixtures/tls_static_client.c, OpenSSL linked in
# statically (libc and the rest dynamically), into BIN
build_static_client() {
	local bin=$1 log=$BATS_TEST_TMPDIR/cc.log
	gcc -O1 -Wall -o "$bin" "$FIXTURES/tls_static_client.c" \
		-Wl,-Bstatic -lssl -lcrypto -Wl,-Bdynamic -ldl -pthread >"$log" 2>&1 ||
		fail "building the statically linked client failed (needs gcc and" \
			"libssl-dev's libssl.a and libcrypto.a):" "$(cat "$log")"
}

# assert_openssl_inside BIN: BIN defines OpenSSL's functions itself and
# does not load libssl or libcrypto
assert_openssl_inside() {
	local bin=$1 syms fn libs
	syms=$(nm "$bin") || fail "nm $bin failed" || return 1
	for fn in "${SSL_FUNCS[@]}"; do
		grep -q " T $fn\$" <<<"$syms" ||
			fail "$bin does not define $fn (nm):" "$(grep -E ' SSL_(read|write)' <<<"$syms")" || return 1
	done
	libs=$(ldd "$bin" 2>&1) || fail "ldd $bin failed:" "$libs" || return 1
	! grep -qE 'lib(ssl|crypto)' <<<"$libs" ||
		fail "$bin loads OpenSSL's shared libraries:" "$libs"
}

# tls_counters: spantap's tls and kernel counter lines, for failure messages
tls_counters() {
	grep -E '^spantap: (tls|kernel): ' "$SPANTAP_ERR" || echo "(no tls/kernel counter lines)"
}

# linked_into_lines PATH: spantap's lines saying it attached to the
# OpenSSL linked into PATH
linked_into_lines() {
	grep -F "tls: probing OpenSSL linked into $1 (" "$SPANTAP_ERR" || true
}

_attached_to_exe() {
	[ -n "$(linked_into_lines "$1")" ]
}

# triples FILTER: "METHOD PATH STATUS" of the spans passing FILTER, sorted
triples() {
	spans "$1" | jq -r '"\(.name) \(.attributes["url.path"]) \(.attributes["http.response.status_code"])"' | sort
}

@test "tls static: a client with OpenSSL linked in (no libssl.so), 5 requests on one connection give 5 + 5 https spans" {
	local bin=$BATS_TEST_TMPDIR/tls-static-client real n=${#PATHS[@]}
	build_static_client "$bin"
	assert_openssl_inside "$bin"
	# spantap names the file as the process's maps do: symlinks resolved
	real=$(readlink -f "$bin")

	start_nginx_tls $PORT
	start_spantap --port $PORT --output json

	# The client execs now, while spantap captures; spantap learns of it
	# from the exec event and attaches to the executable. The client loads
	# its CA file, then waits for a line on stdin (a fifo held open here
	# for writing, so that neither side blocks on opening it) before it
	# connects: its first SSL call comes after the probes are in.
	local fifo=$BATS_TEST_TMPDIR/go go cout=$BATS_TEST_TMPDIR/client.out cerr=$BATS_TEST_TMPDIR/client.err
	mkfifo "$fifo"
	exec {go}<>"$fifo"
	"$bin" $PORT "$TLS_CERT" "${PATHS[@]}" <"$fifo" >"$cout" 2>"$cerr" {go}>&- 3>&- &
	local cpid=$!
	_track_pid "$cpid"

	wait_until 10 "spantap to attach to the OpenSSL linked into $real" _attached_to_exe "$real" ||
		fail "spantap's stderr:" "$(cat "$SPANTAP_ERR")" "client's stderr:" "$(cat "$cerr")" || return 1
	assert_eq "$(linked_into_lines "$real" | wc -l)" 1 "lines saying spantap attached to $real"
	# all functions found (some maybe probed at the internal function they
	# call), and the client named as the file's first user
	assert_eq "$(linked_into_lines "$real" | sed -nE 's/.*\(([0-9]+ of [0-9]+) functions.*; first user pid ([0-9]+)\)$/\1 \2/p')" \
		"${#SSL_FUNCS[@]} of ${#SSL_FUNCS[@]} $cpid" \
		"functions spantap found in $real, and its first user"
	pid_alive "$cpid" || fail "the client ended before it was let go:" "$(cat "$cerr")" || return 1
	# the running client maps no OpenSSL library: its SSL_* calls are its own
	! grep -qE 'lib(ssl|crypto)' "/proc/$cpid/maps" ||
		fail "the client maps OpenSSL's shared libraries:" "$(grep -E 'lib(ssl|crypto)' "/proc/$cpid/maps")" || return 1

	echo go >&"$go"
	exec {go}>&-
	wait_pid_exit "$cpid" 30
	[ "$WAIT_STATUS" -eq 0 ] || fail "the static client exited $WAIT_STATUS:" "$(cat "$cerr")" \
		"nginx error log:" "$(cat "$NGINX_PREFIX/logs/error.log")" || return 1
	stop_spantap
	stop_nginx

	# what the client got, in order
	local p want='' expected=$BATS_TEST_TMPDIR/expected
	: >"$expected"
	for p in "${PATHS[@]}"; do
		case $p in
		/missing*) want+="404 $p"$'\n'; echo "GET $p 404" ;;
		*) want+="200 $p"$'\n'; echo "GET $p 200" ;;
		esac >>"$expected"
	done
	assert_eq "$(cat "$cout")" "${want%$'\n'}" "the static client's STATUS PATH lines"
	assert_eq "$(access_log_lines)" "$n" "nginx access log lines"
	sort -o "$expected" "$expected"

	# n client spans, all of the static client, n server spans, no other
	local n_cli n_mine n_srv n_all
	n_cli=$(spans_where 'select(.kind=="client")')
	n_mine=$(spans_where "select(.kind==\"client\" and .pid==$cpid)")
	n_srv=$(spans_where "select(.kind==\"server\" and .pid!=$cpid)")
	n_all=$(spans_where .)
	[ "$n_mine" -eq "$n" ] && [ "$n_cli" -eq "$n" ] && [ "$n_srv" -eq "$n" ] && [ "$n_all" -eq $((2 * n)) ] ||
		fail "expected $n client spans of the static client (pid $cpid) + $n server spans (nginx) and no other," \
			"got $n_mine of $n_cli client + $n_srv server of $n_all spans:" "$(dump_spans)" \
			"counters:" "$(tls_counters)" || return 1
	diff -u "$expected" <(triples "select(.kind==\"client\" and .pid==$cpid)") ||
		fail "the static client's spans' (method, path, status) differ from the requests sent:" "$(dump_spans)" || return 1
	diff -u "$expected" <(triples 'select(.kind=="server")') ||
		fail "the server spans' (method, path, status) differ from the requests sent:" "$(dump_spans)" || return 1
	assert_eq "$(spans_where 'select(.attributes["url.scheme"] != "https")')" 0 \
		"spans whose url.scheme is not https" ||
		fail "$(spans '[.kind, .attributes["url.scheme"]] | map(tostring) | join(" ")' | sort | uniq -c)" || return 1
	assert_eq "$(spans_where "select(.attributes[\"server.port\"] != $PORT)")" 0 \
		"spans whose server.port is not $PORT" || return 1
	assert_eq "$(spans_where "select(.kind==\"client\" and (.attributes[\"url.full\"] // \"\" | startswith(\"https://127.0.0.1:$PORT/\") | not))")" 0 \
		"client spans whose url.full does not start with https://127.0.0.1:$PORT/" ||
		fail "$(spans 'select(.kind=="client") | .attributes["url.full"]' | sort | uniq -c)" || return 1
	assert_eq "$(spans_where 'select(.name != .attributes["http.request.method"])')" 0 \
		"spans whose name is not their method" || return 1
	assert_eq "$(spans 'select(.kind=="server") | .pid' | sort -u | wc -l)" 1 "nginx processes of the server spans"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["network.peer.port"]' | sort -u | wc -l)" 1 \
		"distinct peer ports of the server spans (one connection)"
	assert_eq "$(counter tls attach_failed)" 0 "tls attach_failed" || fail "$(tls_counters)" || return 1
	assert_eq "$(counter http1 invalid)" 0 "http1 invalid (bytes that did not parse as HTTP/1)" || return 1
	assert_no_loss
}
