#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# A connection that speaks another protocol (binary_echo.py, shaped like a
# database's): the kernel stops sending its bytes (counted as
# other_proto_skipped), while HTTP beside it is traced whole. Where its
# first bytes tell (a length prefix), the kernel decides by itself at the
# first transfer; where they look like a method ("ECHO "), once the agent
# has given up on it. python http.server listens on HTTP, the echo server
# on BIN.

load helpers
load tls
# bpf_fdinfo
# shellcheck source=../../tools/bench/bpf_fdinfo.sh
. "$BATS_TEST_DIRNAME/../../tools/bench/bpf_fdinfo.sh"

HTTP=18170
BIN=18171

# stats_map_id: the id of spantap's per-CPU counters map, from the fds
# spantap holds (another tool's map of the same name is not it)
stats_map_id() {
	local id
	for id in $(bpf_fdinfo "$SPANTAP_PID" map_id | sort -un); do
		if [ "$(bpftool -j map show id "$id" | jq -r .name)" = stats ]; then
			echo "$id"
			return 0
		fi
	done
	return 1
}

# live_skipped: other_proto_skipped as the kernel counts it now (index 9
# of enum st_stat, include/spantap/event.h), summed over the CPUs
live_skipped() {
	bpftool -j map dump id "$STATS_ID" |
		jq '[.[] | select(.formatted.key == 9) | .formatted.values[].value] | add'
}

_skipped_at_least() {
	[ "$(live_skipped)" -ge "$1" ]
}

# stop_echo_client PID STOPFILE: the client ends its round trips, exits 0
stop_echo_client() {
	touch "$2"
	wait_pid_exit "$1" 20 || fail "the echo client did not stop"
	assert_eq "$WAIT_STATUS" 0 "the echo client's exit status" || fail "$(cat "$BATS_TEST_TMPDIR/echo-client")"
}

# assert_held_back: after stop_spantap, the kernel held back 1000 transfers
# or more, and no more than the client's round trips made (4 each: both
# ends write and read)
assert_held_back() {
	local skipped trips
	skipped=$(counter kernel other_proto_skipped)
	trips=$(sed -nE 's/^round trips ([0-9]+)$/\1/p' "$BATS_TEST_TMPDIR/echo-client")
	[ "$skipped" -ge 1000 ] || fail "kernel other_proto_skipped is $skipped, not 1000 or more"
	[ "$skipped" -le $((4 * trips)) ] ||
		fail "$skipped transfers held back, more than the $((4 * trips)) made ($trips round trips)"
}

@test "another protocol: once the agent gives up on a text connection the kernel sends none of its bytes, and HTTP beside it is whole" {
	local stop=$BATS_TEST_TMPDIR/stop i
	start_pyserver $HTTP
	start_bg echo-server "$PY" "$FIXTURES/binary_echo.py" server $BIN
	wait_for_port $BIN
	start_spantap --port $HTTP --port $BIN --output json
	STATS_ID=$(stats_map_id) || fail "no map named stats among spantap's fds"
	start_bg echo-client "$PY" "$FIXTURES/binary_echo.py" client $BIN --until "$stop" --text
	local client=$BG_PID
	# round trips go on until the agent has told the kernel
	wait_until 20 "the kernel to hold back the binary connection's bytes" _skipped_at_least 1
	for ((i = 0; i < 5; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP/hello.txt")" 200 "curl"
	done
	wait_until 20 "1000 transfers held back" _skipped_at_least 1000
	stop_echo_client "$client" "$stop"
	stop_spantap

	assert_held_back
	assert_eq "$(counter agent conns_not_http)" 2 "agent conns_not_http (the echo connection, both ends)"
	assert_eq "$(spans_where 'select(.kind=="server" and (.service_name | startswith("python3")))')" 5 "python server spans" || fail "$(dump_spans)"
	assert_eq "$(spans_where 'select(.kind=="client" and .service_name=="curl")')" 5 "curl client spans"
	assert_eq "$(spans_where .)" 10 "spans in all (none from the echo connection)" || fail "$(dump_spans)"
	assert_eq "$(counter http1 invalid)" 0 "http1 invalid"
	assert_no_loss
}

# Over TLS the kernel sends no socket bytes anyway (ciphertext): what it
# holds back is the plaintext the uprobes read, once the agent has given up
@test "another protocol over TLS: once the agent gives up on the plaintext, the kernel holds it back too" {
	local stop=$BATS_TEST_TMPDIR/stop
	make_cert
	start_bg echo-server "$PY" "$FIXTURES/binary_echo.py" server $BIN "$TLS_CERT" "$TLS_KEY"
	wait_for_port $BIN
	start_spantap --port $BIN --output json
	STATS_ID=$(stats_map_id) || fail "no map named stats among spantap's fds"
	start_bg echo-client "$PY" "$FIXTURES/binary_echo.py" client $BIN --until "$stop" --cafile "$TLS_CERT" --text
	local client=$BG_PID
	wait_until 20 "1000 transfers held back" _skipped_at_least 1000
	stop_echo_client "$client" "$stop"
	stop_spantap

	assert_held_back
	assert_eq "$(counter kernel tls_conns)" 2 "kernel tls_conns (the echo connection, both ends)"
	assert_eq "$(counter agent conns_tls)" 2 "agent conns_tls"
	assert_eq "$(counter agent conns_not_http)" 2 "agent conns_not_http"
	assert_eq "$(spans_where .)" 0 "spans" || fail "$(dump_spans)"
	assert_no_loss
}

# first_transfers_only [CERT KEY]: 20 short connections of 5 round trips
# to the echo server on BIN, over TLS with CERT and KEY, beside one curl
# request on HTTP; the kernel held back all but each connection's first
# transfer at each end (its plaintext, over TLS)
first_transfers_only() {
	local out=$BATS_TEST_TMPDIR/echo-client trips
	start_pyserver $HTTP
	start_bg echo-server "$PY" "$FIXTURES/binary_echo.py" server $BIN "$@"
	wait_for_port $BIN
	start_spantap --port $HTTP --port $BIN --output json
	"$PY" "$FIXTURES/binary_echo.py" client $BIN --conns 20 --trips 5 ${1:+--cafile "$1"} >"$out" ||
		fail "the echo client failed: $(cat "$out")"
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP/hello.txt")" 200 "curl"
	stop_spantap

	trips=$(sed -nE 's/^round trips ([0-9]+)$/\1/p' "$out")
	assert_eq "$trips" 100 "round trips"
	# 4 transfers a round trip (both ends write and read), 2 a connection
	# sent: its first at each end
	assert_eq "$(counter kernel other_proto_skipped)" $((4 * trips - 2 * 20)) "kernel other_proto_skipped"
	assert_eq "$(counter agent conns_not_http)" 40 "agent conns_not_http (20 connections, both ends)"
	assert_eq "$(spans_where .)" 2 "spans (the curl request's two ends)" || fail "$(dump_spans)"
	assert_no_loss
}

# A connection's first bytes, seen from its start, open no protocol spantap
# parses: the kernel holds back every transfer after the first, on its own
# (short connections end before the agent has seen enough to give up; a
# build without the kernel's look holds back none of them).
@test "another protocol from its first bytes: the kernel holds back all but each connection's first transfer" {
	first_transfers_only
}

# The same from the first plaintext of a TLS connection
@test "another protocol over TLS from its first plaintext: the kernel holds back all but each connection's first" {
	make_cert
	first_transfers_only "$TLS_CERT" "$TLS_KEY"
	assert_eq "$(counter kernel tls_conns)" 40 "kernel tls_conns"
}
