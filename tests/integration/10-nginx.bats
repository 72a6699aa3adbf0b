#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# curl and wrk against a private nginx: span counts, attributes, timing,
# keep-alive, sendfile, and loss counters.

load helpers

PORT=18110
URL=http://127.0.0.1:$PORT

# triples FILTER: "METHOD PATH STATUS" of the spans passing FILTER, sorted
triples() {
	spans "$1" | jq -r '"\(.name) \(.attributes["url.path"]) \(.attributes["http.response.status_code"])"' | sort
}

@test "acceptance: 100 curl requests give 100 server and 100 client spans, right attributes and timing" {
	start_nginx $PORT
	start_spantap --port $PORT --output json

	# 60 GET 200, 20 GET 404, 10 HEAD 200, 5 POST 201, 5 POST 405, interleaved
	local expected=$BATS_TEST_TMPDIR/expected i code
	: >"$expected"
	for ((i = 0; i < 100; i++)); do
		if ((i < 60)); then
			code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/index.html")
			echo "GET /index.html $code" >>"$expected"
			assert_eq "$code" 200 "curl GET /index.html"
		elif ((i < 80)); then
			code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/missing")
			echo "GET /missing $code" >>"$expected"
			assert_eq "$code" 404 "curl GET /missing"
		elif ((i < 90)); then
			code=$(curl -sS -I -o /dev/null -w '%{http_code}' "$URL/index.html")
			echo "HEAD /index.html $code" >>"$expected"
			assert_eq "$code" 200 "curl HEAD /index.html"
		elif ((i < 95)); then
			code=$(curl -sS -o /dev/null -w '%{http_code}' -d 'item=1' "$URL/created")
			echo "POST /created $code" >>"$expected"
			assert_eq "$code" 201 "curl POST /created"
		else
			code=$(curl -sS -o /dev/null -w '%{http_code}' -d 'item=1' "$URL/index.html")
			echo "POST /index.html $code" >>"$expected"
			assert_eq "$code" 405 "curl POST /index.html"
		fi
	done
	stop_spantap
	stop_nginx

	sort -o "$expected" "$expected"
	local n_srv n_cli
	n_srv=$(spans_where 'select(.kind=="server")')
	n_cli=$(spans_where 'select(.kind=="client")')
	[ "$n_srv" -eq 100 ] && [ "$n_cli" -eq 100 ] ||
		fail "expected 100 server + 100 client spans, got $n_srv + $n_cli:" "$(dump_spans)"
	assert_eq "$(spans_where 'select(.kind=="server" and .service_name=="nginx")')" 100 "server spans of service nginx"
	assert_eq "$(spans_where 'select(.kind=="client" and .service_name=="curl")')" 100 "client spans of service curl"
	assert_eq "$(spans_where 'select(.name != .attributes["http.request.method"])')" 0 "spans whose name is not their method"

	diff -u "$expected" <(triples 'select(.kind=="server")') ||
		fail "server spans' (method, path, status) differ from the requests sent"
	diff -u "$expected" <(triples 'select(.kind=="client")') ||
		fail "client spans' (method, path, status) differ from the requests sent"

	# requests were sequential: the i-th server span (by start) belongs to the
	# i-th client span and must lie inside it. Python for exact 64-bit times.
	"$PY" - "$SPANTAP_OUT" <<'EOF'
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1])]
srv = sorted((s for s in spans if s["kind"] == "server"), key=lambda s: s["start_time_unix_nano"])
cli = sorted((s for s in spans if s["kind"] == "client"), key=lambda s: s["start_time_unix_nano"])
bad = []
for s in spans:
    if s["end_time_unix_nano"] - s["start_time_unix_nano"] != s["duration_ns"] or s["duration_ns"] <= 0:
        bad.append("duration_ns inconsistent: %s" % s)
for i, (c, s) in enumerate(zip(cli, srv)):
    ca, sa = c["attributes"], s["attributes"]
    if (c["name"], ca["url.path"], ca["http.response.status_code"]) != \
       (s["name"], sa["url.path"], sa["http.response.status_code"]):
        bad.append("pair %d: client %s %s %s vs server %s %s %s" % (i,
            c["name"], ca["url.path"], ca["http.response.status_code"],
            s["name"], sa["url.path"], sa["http.response.status_code"]))
    if not c["start_time_unix_nano"] <= s["start_time_unix_nano"]:
        bad.append("pair %d: server starts %d ns before its client" % (i, c["start_time_unix_nano"] - s["start_time_unix_nano"]))
    if not s["end_time_unix_nano"] <= c["end_time_unix_nano"]:
        bad.append("pair %d: server ends %d ns after its client" % (i, s["end_time_unix_nano"] - c["end_time_unix_nano"]))
    if not s["duration_ns"] <= c["duration_ns"]:
        bad.append("pair %d: server duration %d > client duration %d" % (i, s["duration_ns"], c["duration_ns"]))
    if i + 1 < len(cli) and not c["end_time_unix_nano"] <= cli[i + 1]["start_time_unix_nano"]:
        bad.append("client %d overlaps the next one (requests were sequential)" % i)
ids = [s["span_id"] for s in spans]
if len(set(ids)) != len(ids):
    bad.append("span_ids not unique")
if bad:
    print("\n".join(bad[:40]))
    sys.exit(1)
EOF

	assert_no_loss
	assert_eq "$(access_log_lines)" 100 "nginx access log lines"
}

@test "keep-alive: 10 requests on one curl connection give 10 server spans sharing one peer port" {
	start_nginx $PORT
	start_spantap --port $PORT --output json
	local urls=() i
	for ((i = 0; i < 10; i++)); do urls+=("$URL/index.html"); done
	curl -sS "${urls[@]}" >/dev/null
	stop_spantap
	stop_nginx

	assert_eq "$(access_log_lines)" 10 "nginx access log lines"
	local n_srv n_cli
	n_srv=$(spans_where 'select(.kind=="server" and .service_name=="nginx" and .name=="GET"
		and .attributes["url.path"]=="/index.html" and .attributes["http.response.status_code"]==200)')
	n_cli=$(spans_where 'select(.kind=="client" and .service_name=="curl" and .name=="GET"
		and .attributes["url.path"]=="/index.html" and .attributes["http.response.status_code"]==200)')
	[ "$n_srv" -eq 10 ] && [ "$n_cli" -eq 10 ] ||
		fail "expected 10 + 10 GET /index.html 200 spans, got $n_srv server + $n_cli client:" "$(dump_spans)"
	assert_eq "$(spans_where .)" 20 "all spans"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["network.peer.port"]' | sort -u | wc -l)" 1 \
		"distinct peer ports of the server spans (one connection)"
	assert_eq "$(spans 'select(.kind=="client") | .pid' | sort -u | wc -l)" 1 "curl processes"
	assert_no_loss
}

@test "sendfile: a 200 KiB file fetched 5 times over keep-alive gives 5 server spans, 200, right path" {
	start_nginx $PORT
	start_spantap --port $PORT --output json
	local urls=() i
	for ((i = 0; i < 5; i++)); do urls+=("$URL/large.bin"); done
	local out=$BATS_TEST_TMPDIR/large.out
	curl -sS "${urls[@]}" >"$out"
	assert_eq "$(stat -c %s "$out")" $((5 * 200 * 1024)) "bytes curl received"
	stop_spantap
	stop_nginx

	assert_eq "$(access_log_lines)" 5 "nginx access log lines"
	assert_eq "$(grep -c '^GET /large.bin 200 204800$' "$NGINX_ACCESS_LOG")" 5 "full 200 KiB responses nginx logged"
	local n_srv
	n_srv=$(spans_where 'select(.kind=="server" and .name=="GET" and .attributes["url.path"]=="/large.bin"
		and .attributes["http.response.status_code"]==200)')
	[ "$n_srv" -eq 5 ] || fail "expected 5 server spans GET /large.bin 200, got $n_srv:" "$(dump_spans)"
	assert_eq "$(spans_where 'select(.kind=="server")')" 5 "server spans"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["network.peer.port"]' | sort -u | wc -l)" 1 \
		"distinct peer ports of the server spans (one connection)"
	local n_cli
	n_cli=$(spans_where 'select(.kind=="client" and .name=="GET" and .attributes["url.path"]=="/large.bin"
		and .attributes["http.response.status_code"]==200)')
	[ "$n_cli" -eq 5 ] || fail "expected 5 client spans GET /large.bin 200, got $n_cli:" "$(dump_spans)"
	assert_no_loss
}

@test "wrk burst: server spans equal nginx's log lines, client spans equal wrk's completed responses" {
	start_nginx $PORT
	start_spantap --port $PORT --output json
	local wrk_out=$BATS_TEST_TMPDIR/wrk.out
	timeout 30 wrk -t1 -c4 -d2s "$URL/index.html" >"$wrk_out" 2>&1 ||
		fail "wrk failed:" "$(cat "$wrk_out")"
	# graceful stop: nginx finishes and logs every request it got
	stop_nginx
	stop_spantap

	local completed logged n_srv n_srv_ok n_srv_open n_cli n_cli_err n_open
	completed=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$wrk_out")
	[ -n "$completed" ] && [ "$completed" -gt 100 ] || fail "wrk completed too few requests:" "$(cat "$wrk_out")"
	! grep -q 'Non-2xx\|Socket errors' "$wrk_out" || fail "wrk saw errors:" "$(cat "$wrk_out")"
	logged=$(access_log_lines)
	# When wrk stops it closes its 4 connections with a request in flight on
	# some: the client span of such a request is an error (no response, or
	# part of one), and so is the server span if nginx could not send the
	# whole response: error.type connection_closed (no status code) when
	# none of it left, response_incomplete when only part did. nginx logs
	# those requests too.
	n_srv=$(spans_where 'select(.kind=="server" and .service_name=="nginx")')
	n_srv_ok=$(spans_where 'select(.kind=="server" and .service_name=="nginx" and .status=="unset" and .attributes["http.response.status_code"]==200)')
	n_srv_open=$(spans_where 'select(.kind=="server" and (.attributes["error.type"]=="connection_closed" or .attributes["error.type"]=="response_incomplete"))')
	n_cli=$(spans_where 'select(.kind=="client" and .service_name=="wrk" and .status=="unset" and .attributes["http.response.status_code"]==200)')
	n_cli_err=$(spans_where 'select(.kind=="client" and .service_name=="wrk" and .status=="error")')
	n_open=$(spans_where 'select(.attributes["error.type"]=="connection_closed")')
	echo "wrk completed=$completed nginx logged=$logged;" \
		"server spans=$n_srv ($n_srv_ok 200, $n_srv_open closed);" \
		"client spans=$n_cli 200 + $n_cli_err error" >&2
	assert_eq "$n_srv" "$logged" "server spans vs nginx access log lines"
	assert_eq "$n_srv" $((n_srv_ok + n_srv_open)) "server spans: 200 + cut short"
	assert_eq "$n_cli" "$completed" "wrk client spans with a 200 response vs wrk's completed responses"
	[ "$n_cli" -le "$n_srv_ok" ] || fail "more complete client spans ($n_cli) than complete server spans ($n_srv_ok)"
	[ "$n_cli_err" -le 4 ] && [ "$n_srv_open" -le 4 ] ||
		fail "more error spans ($n_cli_err client, $n_srv_open server) than wrk's 4 connections"
	assert_eq "$(counter http1 unanswered_requests)" "$n_open" "http1 unanswered_requests vs connection_closed spans"
	assert_eq "$(spans_where 'select(.name != "GET" or .attributes["url.path"] != "/index.html")')" 0 \
		"spans other than GET /index.html"
	assert_eq "$(spans_where .)" $((n_srv + n_cli + n_cli_err)) "all spans"
	assert_no_loss
}

@test "small ring: a wrk burst wraps a 4 MiB ring buffer several times, every event read once" {
	start_nginx $PORT
	start_spantap --port $PORT --ringbuf-mb 4 --output none
	local wrk_out=$BATS_TEST_TMPDIR/wrk.out
	timeout 30 wrk -t1 -c4 -d3s "$URL/index.html" >"$wrk_out" 2>&1 ||
		fail "wrk failed:" "$(cat "$wrk_out")"
	stop_nginx
	stop_spantap

	local logged sent read spans
	logged=$(access_log_lines)
	# a request puts at least 744 bytes in the ring: its 60 bytes and the
	# response's 200-byte head, each written and read (4 events with a
	# 56-byte header), so past 23000 requests the 4 MiB ring went round
	# at least four times
	[ "$logged" -gt 23000 ] || fail "too few requests ($logged) to wrap the ring 4 times:" "$(cat "$wrk_out")"
	sent=$(counter kernel events)
	read=$(counter agent events)
	spans=$(counter http1 spans)
	echo "nginx logged=$logged; kernel events=$sent, agent events=$read, spans=$spans" >&2
	assert_eq "$read" "$sent" "events the agent read vs events the kernel sent"
	assert_eq "$(counter agent bad_events)" 0 "agent bad_events"
	assert_eq "$(counter agent stream_gaps)" 0 "agent stream_gaps"
	# both ends of every logged request; wrk's requests in flight at its
	# stop are logged and spanned too, as errors
	assert_eq "$spans" $((2 * logged)) "spans vs 2 x nginx's log lines"
	assert_no_loss
}

@test "status: 404 is an error on the client span only, 503 on both" {
	start_nginx $PORT 'location = /boom { return 503; }'
	start_spantap --port $PORT --output json
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/missing")" 404 "curl /missing"
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/boom")" 503 "curl /boom"
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/index.html")" 200 "curl /index.html"
	stop_spantap
	stop_nginx

	local s
	s=$(spans 'select(.kind=="client" and .attributes["url.path"]=="/missing")')
	assert_eq "$(jq -r '[.status, .attributes["error.type"], .attributes["http.response.status_code"]] | map(tostring) | join(" ")' <<<"$s")" \
		"error 404 404" "client span of the 404 (status error.type code)"
	s=$(spans 'select(.kind=="server" and .attributes["url.path"]=="/missing")')
	assert_eq "$(jq -r '[.status, (.attributes | has("error.type")), .attributes["http.response.status_code"]] | map(tostring) | join(" ")' <<<"$s")" \
		"unset false 404" "server span of the 404 (status has-error.type code)"
	local kind
	for kind in client server; do
		s=$(spans "select(.kind==\"$kind\" and .attributes[\"url.path\"]==\"/boom\")")
		assert_eq "$(jq -r '[.status, .attributes["error.type"], .attributes["http.response.status_code"]] | map(tostring) | join(" ")' <<<"$s")" \
			"error 503 503" "$kind span of the 503 (status error.type code)"
		s=$(spans "select(.kind==\"$kind\" and .attributes[\"url.path\"]==\"/index.html\")")
		assert_eq "$(jq -r '[.status, (.attributes | has("error.type"))] | map(tostring) | join(" ")' <<<"$s")" \
			"unset false" "$kind span of the 200 (status has-error.type)"
	done
	assert_eq "$(spans_where .)" 6 "all spans"
}
