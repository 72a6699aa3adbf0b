#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Interoperability with a real OpenTelemetry SDK: a Node.js client
# instrumented with the official OpenTelemetry JS SDK (node/sdk_client.js,
# packages pinned in node/package-lock.json) calls service A, a server that
# knows nothing of tracing. The SDK makes a CLIENT span, injects its W3C
# traceparent into the request and exports the span as OTLP/HTTP JSON to the
# project's own receiver. spantap, watching A, must put both ends it sees of
# that request (node's client span, A's server span) into the SDK's trace,
# as children of the SDK's span.

load helpers

A=18180    # chain_server.py, a leaf answering 200 "leaf"
COL=18182  # fixtures/otlp_receiver.py, where the SDK exports
NODE_DIR=$BATS_TEST_DIRNAME/node

_sdk_client_span_received() {
	[ -f "$RECV/spans.jsonl" ] &&
		[ -n "$(jq -c 'select(.kind == 3 and .resource["service.name"] == "node-sdk-client")' "$RECV/spans.jsonl")" ]
}

_spantap_has_both_ends() {
	[ "$(spans "select(.attributes[\"server.port\"] == $A)" | wc -l)" -ge 2 ]
}

@test "otel-sdk: spantap continues the trace of the official OpenTelemetry JS SDK" {
	run "$NODE_DIR/install.sh"
	[ "$status" -eq 0 ] || fail "node/install.sh failed ($status):" "$output"

	RECV=$BATS_TEST_TMPDIR/recv
	start_bg recv.log "$PY" "$FIXTURES/otlp_receiver.py" --port $COL --out "$RECV"
	wait_until 20 "the receiver to listen" test -s "$RECV/ready" || fail "receiver log:" "$(cat "$BATS_TEST_TMPDIR/recv.log")"

	start_bg chain-a.log "$PY" "$FIXTURES/chain_server.py" $A
	wait_for_port $A

	start_spantap --port $A --output json

	local out=$BATS_TEST_TMPDIR/sdk.out err=$BATS_TEST_TMPDIR/sdk.err rc=0
	timeout 60 node "$NODE_DIR/sdk_client.js" "http://127.0.0.1:$A/sdk" "http://127.0.0.1:$COL/v1/traces" \
		>"$out" 2>"$err" 3>&- || rc=$?
	[ "$rc" -eq 0 ] || fail "sdk_client.js exited $rc; stdout:" "$(cat "$out")" "stderr:" "$(cat "$err")" \
		"receiver requests:" "$(cat "$RECV/requests.jsonl" 2>/dev/null)"
	assert_eq "$(wc -l <"$out")" 1 "lines printed by sdk_client.js" || fail "$(cat "$out")"
	assert_eq "$(jq -r '.status' "$out")" 200 "status seen by the SDK client"
	local tid sid
	tid=$(jq -r '.trace_id' "$out")
	sid=$(jq -r '.span_id' "$out")
	[[ "$tid" =~ ^[0-9a-f]{32}$ && "$tid" != 00000000000000000000000000000000 ]] || fail "trace_id printed: '$tid'"
	[[ "$sid" =~ ^[0-9a-f]{16}$ && "$sid" != 0000000000000000 ]] || fail "span_id printed: '$sid'"

	wait_until 20 "the SDK's client span at the receiver" _sdk_client_span_received ||
		fail "receiver requests:" "$(cat "$RECV/requests.jsonl" 2>/dev/null)"
	wait_until 20 "spantap's server and client spans of port $A" _spantap_has_both_ends ||
		fail "spantap printed:" "$(dump_spans)" "stderr:" "$(cat "$SPANTAP_ERR")"
	stop_spantap

	# the SDK's span, as the collector got it
	local sdk
	sdk=$(jq -c 'select(.kind == 3 and .resource["service.name"] == "node-sdk-client")' "$RECV/spans.jsonl")
	assert_eq "$(wc -l <<<"$sdk")" 1 "client spans exported by the SDK" || fail "$sdk"
	assert_eq "$(jq -r '.accepted' <<<"$sdk")" true "the receiver accepted the SDK's span"
	assert_eq "$(jq -r '.trace_id' <<<"$sdk")" "$tid" "trace_id exported by the SDK vs printed"
	assert_eq "$(jq -r '.span_id' <<<"$sdk")" "$sid" "span_id exported by the SDK vs printed"
	assert_eq "$(jq -r '.parent_span_id' <<<"$sdk")" "" "the SDK's client span is a root"
	assert_eq "$(jq -r '.attributes["server.port"] // .attributes["net.peer.port"]' <<<"$sdk")" $A "the SDK's span is the request to A"

	# A's server span: a child of the SDK's span, through the traceparent
	local srv
	srv=$(spans "select(.kind == \"server\" and .attributes[\"server.port\"] == $A)")
	assert_eq "$(wc -l <<<"$srv")" 1 "spantap's server spans on $A" || fail "$(dump_spans)"
	assert_eq "$(jq -r '.trace_id' <<<"$srv")" "$tid" "server span's trace_id: the SDK's"
	assert_eq "$(jq -r '.parent_span_id' <<<"$srv")" "$sid" "server span's parent: the SDK's client span"
	assert_eq "$(jq -r '.attributes["spantap.parent.source"]' <<<"$srv")" traceparent "server span's parent source"
	assert_eq "$(jq -r '.attributes["url.path"]' <<<"$srv")" /sdk "server span's url.path"
	assert_eq "$(jq -r '.attributes["http.response.status_code"]' <<<"$srv")" 200 "server span's status code"

	# node's end of the same request, seen by spantap: a sibling in that trace
	local cli
	cli=$(spans "select(.kind == \"client\" and .attributes[\"server.port\"] == $A)")
	assert_eq "$(wc -l <<<"$cli")" 1 "spantap's client spans to $A" || fail "$(dump_spans)"
	assert_eq "$(jq -r '.trace_id' <<<"$cli")" "$tid" "client span's trace_id: the SDK's"
	assert_eq "$(jq -r '.parent_span_id' <<<"$cli")" "$sid" "client span's parent: the SDK's client span"
	assert_eq "$(jq -r '.attributes["spantap.parent.source"]' <<<"$cli")" traceparent "client span's parent source"
	[[ "$(jq -r '.attributes["process.executable.name"]' <<<"$cli")" == node* ]] || fail "client span's process: $(jq -r '.attributes["process.executable.name"]' <<<"$cli")"

	assert_eq "$(counter links traceparent)" 2 "spans linked by traceparent"
	assert_eq "$(counter http1 bad_traceparent)" 0 "bad_traceparent: the SDK's header is valid W3C"

	# three distinct spans: spantap makes ids of its own, never the SDK's
	assert_eq "$(printf '%s\n' "$sid" "$(jq -r '.span_id' <<<"$srv")" "$(jq -r '.span_id' <<<"$cli")" | sort -u | wc -l)" 3 "distinct span ids"
}
