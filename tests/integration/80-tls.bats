#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# HTTPS through OpenSSL's libssl.so.3 (uprobes on SSL_read, SSL_write,
# SSL_read_ex, SSL_write_ex): nginx and curl (SSL_read/SSL_write), Python's
# ssl module on both ends (SSL_read_ex/SSL_write_ex). The spans must be the
# same as over plain HTTP, with url.scheme "https", and none may come from
# the ciphertext the sockets carry. The certificate is made per test
# (make_cert, in $BATS_TEST_TMPDIR).

load helpers
load tls

NGX=18190
PYS=18191
LATE=18192
CHECK=18193
FILTERED=18195

setup() {
	make_cert
}

# triples FILTER: "METHOD PATH STATUS" of the spans passing FILTER, sorted
triples() {
	spans "$1" | jq -r '"\(.name) \(.attributes["url.path"]) \(.attributes["http.response.status_code"])"' | sort
}

# assert_tls_spans N SERVER_SERVICE CLIENT_SERVICE PORT EXPECTED: exactly N
# server spans of SERVER_SERVICE and N client spans of CLIENT_SERVICE and
# nothing else; both sides' sorted "METHOD PATH STATUS" equal the file
# EXPECTED; every span is https (url.scheme; a client span's url.full is
# https://127.0.0.1:PORT/...), on server.port PORT, named by its method;
# no http1 message failed to parse (ciphertext never reached the parser);
# nothing lost.
assert_tls_spans() {
	local n=$1 srv_svc=$2 cli_svc=$3 port=$4 expected=$5
	local n_srv n_cli n_all
	n_srv=$(spans_where "select(.kind==\"server\" and .service_name==\"$srv_svc\")")
	n_cli=$(spans_where "select(.kind==\"client\" and .service_name==\"$cli_svc\")")
	n_all=$(spans_where .)
	[ "$n_srv" -eq "$n" ] && [ "$n_cli" -eq "$n" ] && [ "$n_all" -eq $((2 * n)) ] ||
		fail "expected $n server spans ($srv_svc) + $n client spans ($cli_svc) and no other," \
			"got $n_srv + $n_cli of $n_all spans:" "$(dump_spans)" || return 1
	sort -o "$expected" "$expected"
	diff -u "$expected" <(triples 'select(.kind=="server")') ||
		fail "server spans' (method, path, status) differ from the requests sent:" "$(dump_spans)" || return 1
	diff -u "$expected" <(triples 'select(.kind=="client")') ||
		fail "client spans' (method, path, status) differ from the requests sent:" "$(dump_spans)" || return 1
	assert_eq "$(spans_where 'select(.attributes["url.scheme"] != "https")')" 0 \
		"spans whose url.scheme is not https" || fail "$(spans '[.kind, .attributes["url.scheme"]] | map(tostring) | join(" ")' | sort | uniq -c)" || return 1
	assert_eq "$(spans_where "select(.attributes[\"server.port\"] != $port)")" 0 \
		"spans whose server.port is not $port" || return 1
	assert_eq "$(spans_where "select(.kind==\"client\" and (.attributes[\"url.full\"] // \"\" | startswith(\"https://127.0.0.1:$port/\") | not))")" 0 \
		"client spans whose url.full does not start with https://127.0.0.1:$port/" ||
		fail "$(spans 'select(.kind=="client") | .attributes["url.full"]' | sort | uniq -c)" || return 1
	assert_eq "$(spans_where 'select(.name != .attributes["http.request.method"])')" 0 \
		"spans whose name is not their method" || return 1
	assert_eq "$(counter http1 invalid)" 0 "http1 invalid (bytes that did not parse as HTTP/1)" || return 1
	assert_no_loss
}

@test "tls nginx + curl: 20 separate curl runs (200 and 404) give 20 + 20 https spans, none from ciphertext" {
	start_nginx_tls $NGX
	start_spantap --port $NGX --output json

	local expected=$BATS_TEST_TMPDIR/expected i path want code
	: >"$expected"
	for ((i = 0; i < 20; i++)); do
		case $((i % 4)) in
		0 | 2) path=/index.html want=200 ;;
		1) path=/small.txt want=200 ;;
		3) path=/missing/$i want=404 ;;
		esac
		code=$(curl -sS --http1.1 --cacert "$TLS_CERT" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$NGX$path")
		assert_eq "$code" "$want" "curl https GET $path"
		echo "GET $path $want" >>"$expected"
	done
	stop_spantap
	stop_nginx

	assert_eq "$(access_log_lines)" 20 "nginx access log lines"
	assert_tls_spans 20 nginx curl $NGX "$expected"
	assert_eq "$(spans 'select(.kind=="client") | .pid' | sort -u | wc -l)" 20 "curl processes of the client spans"
	assert_eq "$(spans_where 'select(.kind=="server" and .attributes["spantap.parent.source"]=="connection")')" 20 \
		"server spans linked to their client by the connection" || dump_spans
	# every call counted in was counted out: above 0, every socket
	# transfer on the host would go on looking up its thread's TLS call
	assert_eq "$(counter tls calls_open)" 0 "TLS calls in progress once the traffic stopped"
}

@test "tls with --comm curl: 10 curl runs started after capture give 10 https client spans" {
	# The filter leaves the host's libssl to be found at curl's start,
	# which a curl run outlives by milliseconds: it must be probed already.
	start_nginx_tls $FILTERED
	start_spantap --comm curl --output json

	local expected=$BATS_TEST_TMPDIR/expected i code
	: >"$expected"
	for ((i = 0; i < 10; i++)); do
		code=$(curl -sS --http1.1 --cacert "$TLS_CERT" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$FILTERED/index.html")
		assert_eq "$code" 200 "curl https GET /index.html"
		echo "GET /index.html 200" >>"$expected"
	done
	stop_spantap
	stop_nginx

	assert_eq "$(spans_where .)" 10 "spans (curl's client spans only)" || fail "$(dump_spans)" || return 1
	assert_eq "$(spans_where 'select(.kind=="client" and .service_name=="curl")')" 10 "client spans of curl" || return 1
	assert_eq "$(spans_where 'select(.attributes["url.scheme"]=="https" and .attributes["server.port"]=='$FILTERED')')" 10 \
		"https spans to port $FILTERED" || fail "$(dump_spans)" || return 1
	diff -u "$expected" <(triples .) || fail "client spans' (method, path, status) differ from the requests sent" || return 1
	assert_eq "$(spans 'select(.kind=="client") | .pid' | sort -u | wc -l)" 10 "curl processes of the client spans"
	assert_eq "$(counter http1 invalid)" 0 "http1 invalid (bytes that did not parse as HTTP/1)"
	assert_no_loss
}

@test "tls keep-alive: one curl run, 10 URLs on one TLS connection: 10 + 10 https spans" {
	start_nginx_tls $NGX
	start_spantap --port $NGX --output json

	local args=() expected=$BATS_TEST_TMPDIR/expected i path
	: >"$expected"
	for ((i = 0; i < 10; i++)); do
		if ((i % 5 == 4)); then path=/missing/$i; else path=/index.html; fi
		args+=(-o /dev/null "https://127.0.0.1:$NGX$path")
		[ "$path" == /index.html ] && echo "GET $path 200" >>"$expected" || echo "GET $path 404" >>"$expected"
	done
	local wout=$BATS_TEST_TMPDIR/curl-w
	curl -sS --http1.1 --cacert "$TLS_CERT" -w '%{num_connects} %{http_code}\n' "${args[@]}" >"$wout" ||
		fail "curl failed:" "$(cat "$wout")"
	stop_spantap
	stop_nginx

	assert_eq "$(wc -l <"$wout")" 10 "transfers curl reported"
	assert_eq "$(awk '{ s += $1 } END { print s }' "$wout")" 1 "connections curl made (sum of num_connects)"
	assert_eq "$(awk '{ print $2 }' "$wout" | sort | uniq -c | sed 's/^ *//')" "8 200
2 404" "status codes curl got"
	assert_eq "$(access_log_lines)" 10 "nginx access log lines"
	assert_tls_spans 10 nginx curl $NGX "$expected"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["network.peer.port"]' | sort -u | wc -l)" 1 \
		"distinct peer ports of the server spans (one connection)"
	assert_eq "$(spans 'select(.kind=="client") | .pid' | sort -u | wc -l)" 1 "curl processes"
	# both ends' roles known from the start (accept/connect, or the
	# handshake's TCP states), not guessed mid-stream
	assert_eq "$(counter agent conns_midstream)" 0 "agent conns_midstream"
	# every request's server span is the child of its curl span, paired
	# on this node by the connection
	assert_eq "$(spans_where 'select(.kind=="server" and .attributes["spantap.parent.source"]=="connection")')" 10 \
		"server spans linked to their client by the connection" || dump_spans
}

# the 10 paths the Python tests request, in order: 7 found, 3 missing
PY_PATHS=(/a /b/0 /missing/1 /b/2 '/c?q=3' /missing/4 /b/5 /b/6 /missing/7 /a)

# py_expected FILE: "METHOD PATH STATUS" of PY_PATHS into FILE (url.path
# has no query)
py_expected() {
	local p
	: >"$1"
	for p in "${PY_PATHS[@]}"; do
		case $p in
		/missing*) echo "GET ${p%%\?*} 404" ;;
		*) echo "GET ${p%%\?*} 200" ;;
		esac >>"$1"
	done
}

# check_py_client: the client printed one "STATUS PATH" per request, in order
check_py_client() {
	local p want=
	for p in "${PY_PATHS[@]}"; do
		case $p in
		/missing*) want+="404 $p"$'\n' ;;
		*) want+="200 $p"$'\n' ;;
		esac
	done
	assert_eq "$(cat "$TLS_CLIENT_OUT")" "${want%$'\n'}" "tls_client.py's STATUS PATH lines"
}

# check_py_spans PORT: 10 + 10 https spans of tls-server and tls-client, the
# right processes, one connection
check_py_spans() {
	local port=$1 expected=$BATS_TEST_TMPDIR/expected
	py_expected "$expected"
	assert_tls_spans 10 tls-server tls-client "$port" "$expected"
	assert_eq "$(spans 'select(.kind=="server") | .pid' | sort -u)" "$TLS_SERVER_PID" "pid of the server spans"
	assert_eq "$(spans 'select(.kind=="client") | .pid' | sort -u)" "$TLS_CLIENT_PID" "pid of the client spans"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["network.peer.port"]' | sort -u | wc -l)" 1 \
		"distinct peer ports of the server spans (one connection)"
}

@test "tls python ssl server + python ssl client: 10 requests on one connection give 10 + 10 https spans" {
	start_tls_server $PYS
	start_spantap --port $PYS --output json
	run_tls_client $PYS -- "${PY_PATHS[@]}"
	stop_spantap

	check_py_client
	check_py_spans $PYS
}

@test "tls with --pid of the server: its 10 https server spans alone, and the uprobes sit in it alone (valgrind runs beside)" {
	local expected=$BATS_TEST_TMPDIR/expected vg vgout vgwhy
	start_tls_server $PYS
	start_spantap --pid "$TLS_SERVER_PID" --output json
	run_tls_client $PYS -- "${PY_PATHS[@]}"
	# a process --pid leaves out has no breakpoint of spantap's in its
	# code: valgrind, which would die of one (README, limits), runs
	run valgrind -q --error-exitcode=99 /bin/true
	vg=$status vgout=$output
	vgwhy=$(foreign_uprobes)
	stop_spantap

	check_py_client
	[ "$vg" -eq 0 ] || fail "valgrind /bin/true exited $vg during capture --pid${vgwhy:+ ($vgwhy)}:" "$vgout"
	py_expected "$expected"
	sort -o "$expected" "$expected"
	assert_eq "$(spans_where .)" 10 "spans (the server's only)" || fail "$(dump_spans)"
	diff -u "$expected" <(triples 'select(.kind=="server" and .service_name=="tls-server")') ||
		fail "server spans' (method, path, status) differ from the requests sent:" "$(dump_spans)"
	assert_eq "$(spans_where 'select(.attributes["url.scheme"] != "https")')" 0 "spans whose url.scheme is not https"
	assert_eq "$(spans 'select(.kind=="server") | .pid' | sort -u)" "$TLS_SERVER_PID" "pid of the server spans"
	assert_no_loss
}

@test "tls small SSL_writes: requests in 7-byte and responses in 5-byte SSL_write_ex calls give the same spans" {
	start_tls_server $PYS --small-writes 5
	start_spantap --port $PYS --output json
	run_tls_client $PYS --small-writes 7 -- "${PY_PATHS[@]}"
	stop_spantap

	check_py_client
	check_py_spans $PYS
}

# private_libssl DIR: a copy of the system's libssl.so.3 in DIR, a file no
# process maps yet (LD_LIBRARY_PATH=DIR makes python load it)
private_libssl() {
	mkdir -p "$1"
	cp /usr/lib/x86_64-linux-gnu/libssl.so.3 "$1/libssl.so.3.new"
	mv -f "$1/libssl.so.3.new" "$1/libssl.so.3"
}

# probing_lines PATH: how many times spantap said it attached to PATH
probing_lines() {
	grep -c "tls: probing OpenSSL in $1 " "$SPANTAP_ERR" || true
}

_probing_at_least() {
	[ "$(probing_lines "$1")" -ge "$2" ]
}

# perf_fds: perf event fds spantap holds: one per tracepoint and per uprobe
perf_fds() {
	find "/proc/$SPANTAP_PID/fd" -lname 'anon_inode:*perf_event*' 2>/dev/null | wc -l
}

@test "tls server started after capture began (libssl loaded later): 10 + 10 https spans" {
	local lib=$BATS_TEST_TMPDIR/lib
	private_libssl "$lib"
	start_spantap --port $LATE --output json
	# python maps libssl.so.3 with dlopen when tls_server.py imports ssl:
	# only now, and from a file nothing mapped when capture began
	LD_LIBRARY_PATH=$lib start_tls_server $LATE
	grep -q "$lib/libssl.so.3" "/proc/$TLS_SERVER_PID/maps" ||
		fail "the server does not map the private libssl:" "$(grep -i ssl "/proc/$TLS_SERVER_PID/maps")"
	# a process is probed from the moment spantap has attached; the first
	# calls of a process that starts faster than that are not seen
	wait_until 10 "spantap to attach to $lib/libssl.so.3" _probing_at_least "$lib/libssl.so.3" 1
	LD_LIBRARY_PATH=$lib run_tls_client $LATE -- "${PY_PATHS[@]}"
	stop_spantap

	check_py_client
	check_py_spans $LATE
}

@test "tls check: spantap check names libssl.so.3 while a process maps it" {
	start_tls_server $CHECK
	grep -q 'libssl\.so\.3' "/proc/$TLS_SERVER_PID/maps" ||
		fail "tls_server.py does not map libssl.so.3 (is /usr/bin/python3's ssl OpenSSL 3?):" \
			"$(grep -i ssl "/proc/$TLS_SERVER_PID/maps")"
	run "$SPANTAP" check
	[ "$status" -eq 0 ] || fail "check exited $status:" "$output"
	grep -q 'libssl\.so\.3' <<<"$output" || fail "check does not mention libssl.so.3:" "$output"
}

@test "tls library replaced on disk and processes ending: old and new file probed, then let go" {
	local lib=$BATS_TEST_TMPDIR/lib a=$PYS b=$LATE pa pb base after_a
	private_libssl "$lib"
	start_spantap --port $a --port $b --output json
	base=$(perf_fds)

	LD_LIBRARY_PATH=$lib start_tls_server $a
	pa=$TLS_SERVER_PID
	wait_until 10 "spantap to attach to the first file" _probing_at_least "$lib/libssl.so.3" 1
	# an upgrade: a new file takes the old one's name; A keeps the old inode
	private_libssl "$lib"
	grep -q "$lib/libssl.so.3 (deleted)" "/proc/$pa/maps" ||
		fail "A's libssl is not shown deleted:" "$(grep -i ssl "/proc/$pa/maps")"
	LD_LIBRARY_PATH=$lib start_tls_server $b
	pb=$TLS_SERVER_PID
	wait_until 10 "spantap to attach to the new file" _probing_at_least "$lib/libssl.so.3" 2

	run_tls_client $a -- /a1 /a2 /a3
	run_tls_client $b -- /b1 /b2
	local with_both
	with_both=$(perf_fds)
	[ "$with_both" -gt "$base" ] || fail "no perf event fds added for the uprobes ($base -> $with_both)"

	# A ends: its old file has no user left, its probes go
	kill -TERM "$pa"
	wait_pid_exit "$pa" 10
	wait_until 15 "the old file's probes to go" _fds_below "$with_both"
	after_a=$(perf_fds)
	kill -TERM "$pb"
	wait_pid_exit "$pb" 10
	wait_until 15 "the new file's probes to go" _fds_below "$after_a"
	stop_spantap

	assert_eq "$(spans_where "select(.kind==\"server\" and .pid==$pa and .attributes[\"url.scheme\"]==\"https\")")" 3 \
		"https server spans of A (old, deleted file)" || fail "$(dump_spans)"
	assert_eq "$(spans_where "select(.kind==\"server\" and .pid==$pb and .attributes[\"url.scheme\"]==\"https\")")" 2 \
		"https server spans of B (new file)" || fail "$(dump_spans)"
	assert_eq "$(spans_where 'select(.kind=="client")')" 5 "client spans" || fail "$(dump_spans)"
	assert_eq "$(counter tls attach_failed)" 0 "tls attach_failed"
	[ "$(counter tls detached)" -ge 2 ] || fail "expected the two private files detached:" "$(grep '^spantap: tls:' "$SPANTAP_ERR")"
	assert_eq "$(counter http1 invalid)" 0 "http1 invalid"
	assert_no_loss
}

_fds_below() {
	[ "$(perf_fds)" -lt "$1" ]
}

# Uprobes are breakpoints in the probed code, and valgrind, which translates
# that code, dies of the SIGTRAP (README, limits): --no-tls is the way out.
@test "tls off (--no-tls): no uprobes, so a program run under valgrind exits normally during capture" {
	local why
	start_spantap --no-tls --output none
	run valgrind -q --error-exitcode=99 /bin/true
	why=$(foreign_uprobes)
	stop_spantap
	[ "$status" -eq 0 ] || fail "valgrind /bin/true exited $status during capture --no-tls${why:+ ($why)}:" "$output"
}
