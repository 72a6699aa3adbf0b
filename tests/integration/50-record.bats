#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# spantap record / replay: a recording of real traffic, replayed without
# the kernel, gives the spans capture would have given.

load helpers

PORT=18141
URL=http://127.0.0.1:$PORT

@test "record then replay: the same spans as the traffic made" {
	local rec=$BATS_TEST_TMPDIR/traffic.rec
	start_nginx $PORT
	SPANTAP_CMD=record start_spantap --port $PORT "$rec"
	local i
	for ((i = 0; i < 10; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/index.html")" 200 "curl /index.html"
	done
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/missing")" 404 "curl /missing"
	stop_spantap
	grep -qE 'recorded [1-9][0-9]* events' "$SPANTAP_ERR" || fail "no recorded count:" "$(cat "$SPANTAP_ERR")"
	# a recording holds events, never spans
	assert_eq "$(wc -c <"$SPANTAP_OUT")" 0 "stdout of record"

	run "$SPANTAP" replay "$rec" --output json
	[ "$status" -eq 0 ] || fail "replay failed:" "$output"
	local json=$BATS_TEST_TMPDIR/replayed.json
	"$SPANTAP" replay "$rec" --output json >"$json" 2>/dev/null
	assert_eq "$(jq -c 'select(.kind=="server")' "$json" | wc -l)" 11 "server spans replayed"
	assert_eq "$(jq -c 'select(.kind=="client")' "$json" | wc -l)" 11 "client spans replayed"
	assert_eq "$(jq -r 'select(.kind=="server") | "\(.attributes["url.path"]) \(.attributes["http.response.status_code"])"' "$json" | sort | uniq -c | sed 's/^ *//')" \
		"10 /index.html 200
1 /missing 404" "server paths and statuses"
	# times are kept: spans sit within the recording's wall-clock window
	local now_ns
	now_ns=$(date +%s%N)
	assert_eq "$(jq -c "select(.start_time_unix_nano > $now_ns or .start_time_unix_nano < $now_ns - 300000000000)" "$json" | wc -l)" 0 \
		"spans outside the last five minutes"

	run "$SPANTAP" replay "$rec" --repeat 3
	[ "$status" -eq 0 ] || fail "replay --repeat failed:" "$output"
	[[ "$output" =~ replay:\ [0-9]+\ events,\ 66\ spans ]] || fail "replay --repeat 3 line:" "$output"
}

@test "replay refuses what is not a recording, and a cut recording replays what it has" {
	local bad=$BATS_TEST_TMPDIR/not.rec
	printf 'GET / HTTP/1.1\r\n\r\n' >"$bad"
	run "$SPANTAP" replay "$bad"
	[ "$status" -ne 0 ] || fail "replay of a non-recording succeeded"
	[[ "$output" == *"not a spantap recording"* ]] || fail "message:" "$output"

	run "$SPANTAP" replay "$BATS_TEST_TMPDIR/does-not-exist"
	[ "$status" -ne 0 ] || fail "replay of a missing file succeeded"
	[[ "$output" == *"cannot read"* ]] || fail "message:" "$output"

	local rec=$BATS_TEST_TMPDIR/traffic.rec cut=$BATS_TEST_TMPDIR/cut.rec
	start_nginx $PORT
	SPANTAP_CMD=record start_spantap --port $PORT "$rec"
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/index.html")" 200 "curl"
	stop_spantap
	head -c $(($(wc -c <"$rec") - 5)) "$rec" >"$cut"
	run "$SPANTAP" replay "$cut"
	[ "$status" -eq 0 ] || fail "replay of a cut recording failed:" "$output"
	[[ "$output" == *"cut short or corrupt at byte"* ]] || fail "no cut-short warning:" "$output"
}

@test "record needs a file, and says when it cannot write it" {
	run "$SPANTAP" record --duration 1
	[ "$status" -ne 0 ] || fail "record without FILE succeeded"
	[[ "$output" == *"needs a FILE"* ]] || fail "message:" "$output"
	run "$SPANTAP" record /nonexistent-dir/x.rec --duration 1
	[ "$status" -ne 0 ] || fail "record into a missing directory succeeded"
	[[ "$output" == *"cannot write /nonexistent-dir/x.rec"* ]] || fail "message:" "$output"
}
