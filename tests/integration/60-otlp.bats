#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# OTLP/HTTP export of real traffic to the project's own receiver
# (fixtures/otlp_receiver.py), which decodes every request with its own
# protobuf reader, checks it with protoc against proto/, and answers as each
# test scripts it: refusals, 429 with Retry-After, 503s, hangs, partial
# success.

load helpers

WEB=18150 # python http.server making the traffic
COL=18151 # the receiver
URL=http://127.0.0.1:$WEB
PROTO_DIR=$BATS_TEST_DIRNAME/../../proto

# start_receiver [ARGS...]: the receiver on $COL, recording into $RECV
start_receiver() {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	rm -f "$RECV/ready"
	"$PY" "$FIXTURES/otlp_receiver.py" --port $COL --out "$RECV" \
		--protoc-check "$PROTO_DIR" "$@" >"$BATS_TEST_TMPDIR/recv.log" 2>&1 3>&- &
	RECV_PID=$!
	_track_pid "$RECV_PID"
	wait_until 20 "the receiver to listen" test -s "$RECV/ready" || {
		fail "receiver log:" "$(cat "$BATS_TEST_TMPDIR/recv.log")"
		return 1
	}
}

# accepted: spans the receiver decoded from requests it answered 200
accepted() {
	[ -f "$RECV/spans.jsonl" ] || {
		echo 0
		return
	}
	jq -c 'select(.accepted)' "$RECV/spans.jsonl" | wc -l
}

_accepted_at_least() {
	[ "$(accepted)" -ge "$1" ]
}

# wait_accepted N [TIMEOUT_S]
wait_accepted() {
	wait_until "${2:-30}" "$1 spans accepted by the receiver" _accepted_at_least "$1" || {
		fail "receiver: $(accepted) accepted; requests:" "$(cat "$RECV/requests.jsonl" 2>/dev/null)" \
			"spantap:" "$(cat "$SPANTAP_ERR")"
		return 1
	}
}

# traffic N [PATH]: N requests to the python server, each checked
traffic() {
	local i
	for ((i = 0; i < $1; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/${2:-hello.txt}")" 200 "curl request $i" || return 1
	done
}

_lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# requests FILTER: the receiver's request log through jq
requests() {
	jq -r "$1" "$RECV/requests.jsonl"
}

otlp() {
	counter otlp "$1"
}

@test "otlp: the test receiver decodes, validates and answers as scripted (self-test)" {
	run "$FIXTURES/otlp_receiver_selftest.sh"
	[ "$status" -eq 0 ] || fail "$output"
}

@test "otlp: spans of real traffic arrive decoded, with resource, scope and semantic conventions" {
	start_pyserver $WEB OTEL_SERVICE_NAME=shop
	start_receiver
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 5
	wait_accepted 10
	stop_spantap

	assert_eq "$(accepted)" 10 "spans accepted (5 server + 5 client)"
	assert_eq "$(requests '.path' | sort -u)" /v1/traces "path of the export requests"
	assert_eq "$(requests '.content_type' | sort -u)" application/x-protobuf "content type"
	assert_eq "$(requests '.protoc_ok' | sort -u)" true "protoc decodes every body with proto/"
	assert_eq "$(requests '.headers["user-agent"]' | sort -u | cut -d/ -f1)" spantap "user agent"
	local srv cli
	srv=$(jq -c 'select(.kind == 2)' "$RECV/spans.jsonl")
	cli=$(jq -c 'select(.kind == 3)' "$RECV/spans.jsonl")
	assert_eq "$(wc -l <<<"$srv")" 5 "server spans"
	assert_eq "$(wc -l <<<"$cli")" 5 "client spans"
	assert_eq "$(jq -r '.resource["service.name"]' <<<"$srv" | sort -u)" shop "server service.name from the target's OTEL_SERVICE_NAME"
	assert_eq "$(jq -r '.resource["process.pid"]' <<<"$srv" | sort -u)" "$PYSERVER_PID" "server process.pid"
	assert_eq "$(jq -r '.resource["service.name"]' <<<"$cli" | sort -u)" curl "client service.name: the executable"
	assert_eq "$(jq -r '.resource["os.type"]' <<<"$srv" | sort -u)" linux "os.type"
	assert_eq "$(jq -r '.resource["host.name"]' <<<"$srv" | sort -u)" "$(hostname)" "host.name"
	assert_eq "$(jq -r '.resource["process.executable.path"]' <<<"$srv" | sort -u)" "$(readlink -f /usr/bin/python3)" "process.executable.path"
	assert_eq "$(jq -r '.resource["process.command_line"]' <<<"$srv" | sort -u | grep -c 'http.server 18150')" 1 "process.command_line"
	assert_eq "$(jq -r '"\(.scope.name) \(.name) \(.attributes["http.request.method"]) \(.attributes["url.path"]) \(.attributes["http.response.status_code"])"' <<<"$srv" | sort -u)" \
		"spantap GET GET /hello.txt 200" "server span name and attributes"
	# process.* is on the resource, not repeated on every span
	assert_eq "$(jq -r '.attributes | keys[] | select(startswith("process."))' <<<"$srv$cli" | wc -l)" 0 "process.* span attributes"
	assert_eq "$(jq -r '.flags' <<<"$srv" | sort -u)" 257 "flags: sampled, parent remoteness known"
	assert_eq "$(otlp sent)" 10 "spantap's sent counter"
	assert_eq "$(otlp dropped)" 0 "spantap's dropped counter"
}

@test "otlp: collector down at start, then up: every span delivered, none dropped" {
	start_pyserver $WEB
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 20
	# the first export fails to connect and is retried with backoff
	wait_until 30 "a failed export to be reported" grep -q "export to http://127.0.0.1:$COL/v1/traces" "$SPANTAP_ERR"
	start_receiver
	wait_accepted 40 60
	stop_spantap
	assert_eq "$(accepted)" 40 "spans accepted"
	assert_eq "$(jq -r '.span_id' "$RECV/spans.jsonl" | sort -u | wc -l)" 40 "distinct spans"
	assert_eq "$(otlp sent)" 40 "sent"
	assert_eq "$(otlp dropped)" 0 "dropped"
	[ "$(otlp net_errors)" -ge 1 ] || fail "net_errors should count the refused connections: $(otlp net_errors)"
	[ "$(otlp retries)" -ge 1 ] || fail "retries: $(otlp retries)"
}

@test "otlp: 503 three times, then 200: the same batch is retried and delivered" {
	start_pyserver $WEB
	start_receiver --script 503,503,503
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 3
	wait_accepted 6
	stop_spantap
	assert_eq "$(requests '.answer' | head -4 | paste -sd,)" 503,503,503,200 "answers"
	assert_eq "$(requests 'select(.seq <= 4) | .body_len' | sort -u | wc -l)" 1 "the retried body is the same"
	assert_eq "$(otlp retries)" 3 "retries"
	assert_eq "$(otlp sent)" 6 "sent"
	assert_eq "$(otlp dropped)" 0 "dropped"
}

@test "otlp: 429 with Retry-After: 2 is not retried before 2 s" {
	start_pyserver $WEB
	start_receiver --script 429:2
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 1
	wait_accepted 2
	stop_spantap
	assert_eq "$(requests '.answer' | head -2 | paste -sd,)" 429,200 "answers"
	local gap
	gap=$(jq -s '.[1].t - .[0].t' "$RECV/requests.jsonl")
	jq -e -n "$gap >= 2.0" >/dev/null || fail "retried after ${gap}s, before Retry-After's 2 s"
	assert_eq "$(otlp retries)" 1 "retries"
}

@test "otlp: 429 with an HTTP-date Retry-After is honoured too" {
	start_pyserver $WEB
	start_receiver --script 429:date:2
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 1
	wait_accepted 2
	stop_spantap
	local gap
	gap=$(jq -s '.[1].t - .[0].t' "$RECV/requests.jsonl")
	# an HTTP-date has whole seconds: at least one of the two must pass
	jq -e -n "$gap >= 1.0" >/dev/null || fail "retried after ${gap}s"
}

@test "otlp: 400 is not retried; its spans are counted by status" {
	start_pyserver $WEB
	start_receiver --script 400
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 2
	wait_until 30 "the first request" test -s "$RECV/requests.jsonl"
	local refused
	refused=$(requests 'select(.seq == 1) | .spans')
	# more traffic goes through: the exporter is not stuck on the refusal
	traffic 1
	wait_accepted 2
	stop_spantap
	assert_eq "$(requests 'select(.answer == 400) | .seq' | wc -l)" 1 "requests answered 400"
	assert_eq "$(otlp retries)" 0 "retries"
	assert_eq "$(otlp http_400)" "$refused" "spans dropped with 400"
	assert_eq "$(otlp status)" "$refused" "spans dropped by status"
	assert_eq "$(( $(otlp sent) + refused ))" 6 "sent + refused = spans made"
	grep -q 'HTTP 400: test says 400; spans dropped' "$SPANTAP_ERR" || fail "no warning with the collector's message:" "$(cat "$SPANTAP_ERR")"
}

@test "otlp: a collector that hangs: the request times out and is retried" {
	start_pyserver $WEB
	start_receiver --script hang:4
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL" --otlp-timeout-ms 1000
	traffic 2
	wait_accepted 4
	stop_spantap
	[ "$(otlp timeouts)" -ge 1 ] || fail "timeouts: $(otlp timeouts)"
	[ "$(otlp retries)" -ge 1 ] || fail "retries: $(otlp retries)"
	assert_eq "$(otlp dropped)" 0 "dropped"
}

@test "otlp: partial success is counted as rejected, not retried" {
	start_pyserver $WEB
	start_receiver --script 'partial:1:too old'
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 2
	wait_accepted 4
	stop_spantap
	assert_eq "$(otlp rejected)" 1 "rejected"
	assert_eq "$(otlp retries)" 0 "retries"
	assert_eq "$(otlp sent)" 3 "sent"
	grep -q 'rejected 1 of .* spans: too old' "$SPANTAP_ERR" || fail "no warning:" "$(cat "$SPANTAP_ERR")"
}

@test "otlp: gzip by variable and by flag; none sends plain bodies" {
	start_pyserver $WEB
	start_receiver
	OTEL_EXPORTER_OTLP_COMPRESSION=gzip start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 1
	wait_accepted 2
	stop_spantap
	assert_eq "$(requests '.content_encoding')" gzip "Content-Encoding with OTEL_EXPORTER_OTLP_COMPRESSION=gzip"

	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL" --otlp-compression none
	traffic 1
	wait_accepted 4
	stop_spantap
	assert_eq "$(requests 'select(.seq == 2) | .content_encoding // "none"')" none "no Content-Encoding with --otlp-compression none"

	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL" --otlp-compression gzip
	traffic 1
	wait_accepted 6
	stop_spantap
	assert_eq "$(requests 'select(.seq == 3) | .content_encoding')" gzip "Content-Encoding with --otlp-compression gzip"
	assert_eq "$(requests '.protoc_ok' | sort -u)" true "every body decodes"
}

@test "otlp: endpoint variables: base URL gets v1/traces, the traces URL is used as is" {
	start_pyserver $WEB
	start_receiver
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$COL/base/ start_spantap --port $WEB --output none
	traffic 1
	wait_accepted 2
	stop_spantap
	assert_eq "$(requests 'select(.seq == 1) | .path')" /base/v1/traces "path from OTEL_EXPORTER_OTLP_ENDPOINT=http://h/base/"

	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1/unused \
		OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:$COL/custom/path \
		start_spantap --port $WEB --output none
	traffic 1
	wait_accepted 4
	stop_spantap
	assert_eq "$(requests 'select(.seq == 2) | .path')" /custom/path "path from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"

	# an empty variable is unset: no export at all
	OTEL_EXPORTER_OTLP_ENDPOINT= start_spantap --port $WEB --output none
	traffic 1
	stop_spantap
	if grep -q 'exporting spans' "$SPANTAP_ERR"; then
		fail "an empty OTEL_EXPORTER_OTLP_ENDPOINT started an export"
	fi
}

@test "otlp: headers from OTEL_EXPORTER_OTLP_HEADERS are sent percent-decoded and never logged" {
	start_pyserver $WEB
	start_receiver
	OTEL_EXPORTER_OTLP_HEADERS='api-key=s3cr%3Dt,x-team = core' OTEL_EXPORTER_OTLP_TIMEOUT=abc \
		start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL" -v
	traffic 1
	wait_accepted 2
	stop_spantap
	assert_eq "$(requests '.headers["api-key"]')" 's3cr=t' "api-key header"
	assert_eq "$(requests '.headers["x-team"]')" core "x-team header"
	if grep -q 's3cr' "$SPANTAP_ERR"; then
		fail "a header value was logged:" "$(cat "$SPANTAP_ERR")"
	fi
	grep -q 'OTEL_EXPORTER_OTLP_TIMEOUT' "$SPANTAP_ERR" || fail "no warning naming the malformed variable:" "$(cat "$SPANTAP_ERR")"
}

@test "otlp: http/json protocol" {
	start_pyserver $WEB
	start_receiver
	OTEL_EXPORTER_OTLP_PROTOCOL=http/json start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 2
	wait_accepted 4
	stop_spantap
	assert_eq "$(requests '.content_type' | sort -u)" application/json "content type"
	assert_eq "$(jq -r 'select(.kind == 2) | .attributes["url.path"]' "$RECV/spans.jsonl" | sort -u)" /hello.txt "url.path"
	assert_eq "$(otlp sent)" 4 "sent"
}

@test "otlp: grpc is refused with a clear message" {
	run "$SPANTAP" capture --otlp-endpoint http://127.0.0.1:4317 --otlp-protocol grpc --duration 1
	[ "$status" -eq 1 ] || fail "exit status $status"
	[[ "$output" == *"gRPC is not supported yet"* ]] || fail "$output"
	run env OTEL_EXPORTER_OTLP_PROTOCOL=grpc "$SPANTAP" capture --otlp-endpoint http://127.0.0.1:4317 --duration 1
	[ "$status" -eq 1 ] || fail "exit status $status"
	[[ "$output" == *"gRPC is not supported yet"* ]] || fail "$output"
	run "$SPANTAP" capture --otlp-endpoint ftp://x --duration 1
	[ "$status" -eq 1 ] || fail "exit status $status"
	[[ "$output" == *"--otlp-endpoint"* ]] || fail "$output"
}

@test "otlp: spantap never exports its own export traffic" {
	start_pyserver $WEB
	start_receiver
	# the receiver's port is traced too: its server spans are our exports
	start_spantap --port $WEB --port $COL --output json --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 3
	wait_accepted 6
	# a second round: by now the first export's spans would have been made
	traffic 3
	wait_accepted 12
	stop_spantap
	assert_eq "$(jq -r 'select(.attributes["url.path"] == "/v1/traces") | .span_id' "$RECV/spans.jsonl" | wc -l)" 0 "export requests among the exported spans"
	assert_eq "$(spans_where 'select(.attributes["url.path"] == "/v1/traces")')" 0 "export requests among the printed spans"
	[ "$(otlp own_spans)" -ge 1 ] || fail "own_spans: $(otlp own_spans)"
	assert_eq "$(accepted)" 12 "spans accepted"
}

@test "otlp: a full queue drops spans and counts them; the rest arrive" {
	start_pyserver $WEB
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL" --otlp-queue-size 4 --otlp-batch-size 2
	traffic 10
	wait_until 30 "a failed export" grep -q "export to" "$SPANTAP_ERR"
	start_receiver
	wait_until 60 "the queue to drain" _accepted_at_least 4
	stop_spantap
	local sent dropped full
	sent=$(otlp sent)
	dropped=$(otlp dropped)
	full=$(otlp queue_full)
	[ "$full" -ge 1 ] || fail "queue_full: $full"
	assert_eq "$((sent + dropped))" 20 "sent + dropped = spans made"
	assert_eq "$(accepted)" "$sent" "accepted = sent"
}

@test "otlp: on SIGINT a hanging collector gets a bounded flush, the rest is counted" {
	start_pyserver $WEB
	start_receiver --default hang:30
	start_spantap --port $WEB --output none --otlp-endpoint "http://127.0.0.1:$COL"
	traffic 3
	wait_until 30 "the first request" test -s "$RECV/requests.jsonl"
	local t0=$SECONDS
	stop_spantap
	[ $((SECONDS - t0)) -le 12 ] || fail "spantap took $((SECONDS - t0))s to stop"
	assert_eq "$(otlp dropped)" 6 "dropped"
	assert_eq "$(otlp shutdown)" 6 "dropped at shutdown"
	assert_eq "$(otlp sent)" 0 "sent"
}

@test "otlp: --output otlp-json writes the Collector's file format" {
	start_pyserver $WEB OTEL_SERVICE_NAME=shop
	start_spantap --port $WEB --output otlp-json --service-name override
	traffic 2
	wait_until 20 "4 lines" _lines_at_least "$SPANTAP_OUT" 4
	stop_spantap
	local n=0 line
	while IFS= read -r line; do
		printf '%s' "$line" >"$BATS_TEST_TMPDIR/line.json"
		"$PY" "$FIXTURES/otlp_receiver.py" --once-decode "$BATS_TEST_TMPDIR/line.json" --json >>"$BATS_TEST_TMPDIR/decoded.jsonl" ||
			fail "line $n does not decode: $line"
		n=$((n + 1))
	done <"$SPANTAP_OUT"
	assert_eq "$n" 4 "lines"
	assert_eq "$(jq -r '.resource["service.name"]' "$BATS_TEST_TMPDIR/decoded.jsonl" | sort -u)" override "service.name from --service-name"
	assert_eq "$(jq -r 'select(.kind == 2) | .attributes["url.path"]' "$BATS_TEST_TMPDIR/decoded.jsonl" | sort -u)" /hello.txt "url.path"
}
