#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# How a capture starts and ends, its output streams, and connections whose
# life does not fit the capture: opened before it, chunked bodies, resets.

load helpers

PORT=18140
URL=http://127.0.0.1:$PORT

@test "SIGTERM ends capture with exit 0 and the summary" {
	start_nginx $PORT
	start_spantap --port $PORT --output pretty
	curl -sS -o /dev/null "$URL/index.html"
	stop_spantap TERM

	# pretty: spans and the summary table on stdout, counters on stderr
	grep -Eq '^SERVICE +KIND +METHOD +PATH +COUNT' "$SPANTAP_OUT" ||
		fail "no summary table on stdout:" "$(cat "$SPANTAP_OUT")"
	grep -Eq '^nginx +SRV +GET +/index.html +1 ' "$SPANTAP_OUT" ||
		fail "no summary row for nginx:" "$(cat "$SPANTAP_OUT")"
	grep -Eq '^curl +CLI +GET +/index.html +1 ' "$SPANTAP_OUT" ||
		fail "no summary row for curl:" "$(cat "$SPANTAP_OUT")"
	local g
	for g in kernel agent http1; do
		grep -q "^spantap: $g: " "$SPANTAP_ERR" || fail "no '$g' counters on stderr:" "$(cat "$SPANTAP_ERR")"
	done
	assert_eq "$(counter http1 spans)" 2 "http1 spans counter"
}

@test "--no-summary leaves the table out but keeps the counters" {
	start_nginx $PORT
	start_spantap --port $PORT --output pretty --no-summary
	curl -sS -o /dev/null "$URL/index.html"
	stop_spantap

	! grep -Eq '^SERVICE +KIND' "$SPANTAP_OUT" "$SPANTAP_ERR" || fail "summary table printed with --no-summary"
	assert_eq "$(counter http1 spans)" 2 "http1 spans counter"
}

@test "--duration 2 ends by itself with exit 0" {
	start_spantap --port $PORT --duration 2 --output json
	local t0=$SECONDS
	wait_pid_exit "$SPANTAP_PID" 15 || fail "spantap --duration 2 still running after 15s"
	local took=$((SECONDS - t0))
	assert_eq "$WAIT_STATUS" 0 "exit status" || fail "$(cat "$SPANTAP_ERR")"
	[ "$took" -ge 1 ] || fail "ended after ${took}s, before its 2s"
	grep -q '^spantap: http1: spans=0' "$SPANTAP_ERR" || fail "no counters:" "$(cat "$SPANTAP_ERR")"
	grep -q 'No spans were captured' "$SPANTAP_ERR" || fail "no empty summary on stderr:" "$(cat "$SPANTAP_ERR")"
	assert_eq "$(wc -c <"$SPANTAP_OUT")" 0 "bytes on stdout"
}

@test "--output json: every stdout line is a JSON span, diagnostics on stderr" {
	start_nginx $PORT
	start_spantap --port $PORT --output json
	curl -sS -o /dev/null "$URL/index.html"
	curl -sS -o /dev/null "$URL/missing"
	curl -sS -o /dev/null -A 'test-agent/1.0' "$URL/small.txt?x=1&y=2"
	stop_spantap

	assert_eq "$(wc -l <"$SPANTAP_OUT")" 6 "stdout lines" || fail "$(cat "$SPANTAP_OUT")"
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e . >/dev/null <<<"$line" || fail "stdout line $n is not JSON: $line"
		jq -e '
			(.trace_id | test("^[0-9a-f]{32}$")) and (.span_id | test("^[0-9a-f]{16}$"))
			and (.kind == "server" or .kind == "client")
			and (if .kind == "server"
			     then (.parent_span_id | test("^[0-9a-f]{16}$"))
			          and .attributes["spantap.parent.source"] == "connection"
			     else .parent_span_id == "" end)
			and (.start_time_unix_nano | type) == "number" and (.end_time_unix_nano | type) == "number"
			and .duration_ns >= 0 and (.status == "unset" or .status == "error")
			and (.pid | type) == "number" and (.tid | type) == "number"
			and .attributes["url.scheme"] == "http" and .attributes["http.request.method"] == .name
			and .attributes["network.protocol.version"] == "1.1"
			and .attributes["process.pid"] == .pid
			and .attributes["network.peer.address"] == "127.0.0.1"
			and .attributes["server.port"] == '$PORT'
			and (if .kind == "server" then .attributes["client.address"] == "127.0.0.1"
			     else .attributes["url.full"] == "http://127.0.0.1:'$PORT'" + .attributes["url.path"]
			          + (if .attributes["url.path"] == "/small.txt" then "?x=1&y=2" else "" end) end)
		' >/dev/null <<<"$line" || fail "stdout line $n lacks a field or has a wrong one: $line"
	done <"$SPANTAP_OUT"
	# wall-clock times: within a minute of now
	local now
	now=$(date +%s)
	assert_eq "$(spans_where "select((.start_time_unix_nano / 1e9 - $now) | fabs > 60)")" 0 "spans more than 60s away from now"
	assert_eq "$(spans_where 'select(.attributes["user_agent.original"]=="test-agent/1.0" and .attributes["url.path"]=="/small.txt")')" 2 \
		"spans with the user agent and the path without its query"
	grep -q capturing "$SPANTAP_ERR"
	grep -q '^spantap: kernel: events=' "$SPANTAP_ERR"
	grep -Eq '^SERVICE +KIND' "$SPANTAP_ERR" || fail "no summary on stderr:" "$(cat "$SPANTAP_ERR")"
}

@test "a connection opened before capture: only the request made during it gets a span" {
	start_nginx $PORT
	local ready=$BATS_TEST_TMPDIR/ready go=$BATS_TEST_TMPDIR/go
	start_bg preconn.log "$PY" "$FIXTURES/preconn_client.py" 127.0.0.1 $PORT /index.html /small.txt "$ready" "$go"
	local client=$BG_PID
	wait_until 15 "request 1 of the client" test -e "$ready"
	start_spantap --port $PORT --output json
	touch "$go"
	wait_pid_exit "$client" 30 || fail "the client did not finish"
	assert_eq "$WAIT_STATUS" 0 "client exit status" || fail "$(cat "$BATS_TEST_TMPDIR/preconn.log")"
	stop_spantap

	assert_eq "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/preconn.log" | tr '\n' ' ')" "200 200 " "client's statuses"
	local lport
	lport=$(tail -1 "$BATS_TEST_TMPDIR/preconn.log" | cut -d' ' -f2)
	assert_eq "$(spans_where 'select(.kind=="server")')" 1 "server spans" || fail "$(dump_spans)"
	assert_eq "$(spans 'select(.kind=="server") | [.name, .attributes["url.path"], .attributes["http.response.status_code"], .attributes["network.peer.port"]] | map(tostring) | join(" ")')" \
		"\"GET /small.txt 200 $lport\"" "the server span (method path status peer port)"
	assert_eq "$(spans_where 'select(.attributes["url.path"]=="/index.html")')" 0 "spans of request 1"
	assert_eq "$(counter http1 unmatched_responses)" 0 "http1 unmatched_responses"
}

# chunked_fixture: the chunked server on PORT, its pid in CHUNKED_PID
chunked_fixture() {
	start_bg chunked.log "$PY" "$FIXTURES/chunked_server.py" $PORT
	CHUNKED_PID=$BG_PID
	wait_for_port $PORT || fail "$(cat "$BATS_TEST_TMPDIR/chunked.log")"
}

# fetch_chunked: /small (3 chunks) then /large (40 chunks of 1000 bytes) on
# one curl connection
fetch_chunked() {
	local body=$BATS_TEST_TMPDIR/body
	curl -sS "$URL/small" "$URL/large" >"$body"
	assert_eq "$(head -c 19 "$body")" "hello chunked world" "start of curl's output"
	assert_eq "$(stat -c %s "$body")" $((20 + 40 * 1000)) "bytes curl got"
}

@test "chunked responses on a keep-alive connection: 2 server spans, 200" {
	chunked_fixture
	start_spantap --port $PORT --pid "$CHUNKED_PID" --output json
	fetch_chunked
	stop_spantap

	assert_eq "$(spans 'select(.kind=="server") | [.name, .attributes["url.path"], .attributes["http.response.status_code"], .status] | map(tostring) | join(" ")' | sort | tr '\n' ,)" \
		'"GET /large 200 unset","GET /small 200 unset",' "server spans (method path status)" || fail "$(dump_spans)"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["network.peer.port"]' | sort -u | wc -l)" 1 \
		"peer ports of the server spans (one connection)"
	assert_eq "$(spans_where .)" 2 "all spans"
	assert_no_loss
	assert_eq "$(counter http1 bad_chunk)" 0 "http1 bad_chunk"
	assert_eq "$(counter http1 invalid)" 0 "http1 invalid"
	assert_eq "$(counter http1 unanswered_requests)" 0 "http1 unanswered_requests"
}

# curl reads the 40 KB chunked body in recv()s of ~32 KB: only the first
# --max-bytes of each are captured, the rest is a hole holding chunk-size
# lines. Each response head (200) is captured all the same, and requests on
# the connection are sequential, so each response belongs to the request
# before it.
@test "client side: chunked bodies read in large recv()s keep each response with its request" {
	chunked_fixture
	start_spantap --port $PORT --comm curl --output json
	local body=$BATS_TEST_TMPDIR/body
	curl -sS "$URL/large" "$URL/small" "$URL/small" >"$body"
	assert_eq "$(stat -c %s "$body")" $((40 * 1000 + 2 * 20)) "bytes curl got"
	stop_spantap

	assert_eq "$(spans 'select(.kind=="client") | [.name, .attributes["url.path"], .attributes["http.response.status_code"], .status] | map(tostring) | join(" ")' | sort | tr '\n' ,)" \
		'"GET /large 200 unset","GET /small 200 unset","GET /small 200 unset",' "client spans (method path status)" ||
		fail "$(dump_spans)" "$(tail -3 "$SPANTAP_ERR")"
	# sequential requests: each span ends before the next one starts
	"$PY" - "$SPANTAP_OUT" <<'PYEOF'
import json, sys
spans = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda s: s["start_time_unix_nano"])
for a, b in zip(spans, spans[1:]):
    if a["end_time_unix_nano"] > b["start_time_unix_nano"]:
        sys.exit("span %s %s ends %d ns after the next request (%s) started" % (
            a["name"], a["attributes"]["url.path"],
            a["end_time_unix_nano"] - b["start_time_unix_nano"], b["attributes"]["url.path"]))
PYEOF
	assert_no_loss
}

# On loopback, a response written to a peer that has closed its socket makes
# the peer's kernel answer with a RST during the server's send(); the
# socket's move to TCP_CLOSE (sock:inet_sock_set_state) then happens before
# the send's syscall exit. The whole response was sent (send returned its
# length), so the server span must have the 200, on the same connection.
@test "a response whose send() meets the peer's RST stays on its connection" {
	start_bg reset.log "$PY" "$FIXTURES/reset_server.py" server $PORT
	wait_for_port $PORT || fail "$(cat "$BATS_TEST_TMPDIR/reset.log")"
	start_spantap --port $PORT --output json
	"$PY" "$FIXTURES/reset_server.py" client $PORT
	wait_until 10 "the server's send" grep -q '^sent' "$BATS_TEST_TMPDIR/reset.log"
	stop_spantap

	assert_eq "$(cat "$BATS_TEST_TMPDIR/reset.log")" "sent 70" "server's send()"
	assert_eq "$(spans_where 'select(.kind=="server")')" 1 "server spans" || fail "$(dump_spans)"
	assert_eq "$(spans 'select(.kind=="server") | [.name, .attributes["url.path"], .attributes["http.response.status_code"]] | map(tostring) | join(" ")')" \
		'"GET /reset 200"' "server span (method path status)" || fail "$(dump_spans)"
	assert_eq "$(counter http1 unmatched_responses)" 0 "http1 unmatched_responses" || fail "$(tail -3 "$SPANTAP_ERR")"
	assert_eq "$(counter agent conns_midstream)" 0 "agent conns_midstream"
}

# The server announces 100 bytes of body, sends 10 and closes: curl fails
# (exit 18, transfer closed with outstanding read data). The client span
# must not report a clean success.
@test "a response cut short by the connection's close is an error on the client span" {
	start_bg truncated.log "$PY" "$FIXTURES/truncated_server.py" $PORT
	wait_for_port $PORT || fail "$(cat "$BATS_TEST_TMPDIR/truncated.log")"
	start_spantap --port $PORT --output json
	run curl -sS -o /dev/null "$URL/cut"
	assert_eq "$status" 18 "curl's exit status (18: partial file)"
	wait_until 10 "the server's close" grep -q '^cut' "$BATS_TEST_TMPDIR/truncated.log"
	stop_spantap

	assert_eq "$(spans_where 'select(.kind=="client")')" 1 "client spans" || fail "$(dump_spans)"
	assert_eq "$(spans 'select(.kind=="client") | [.name, .attributes["url.path"], .status, (.attributes | has("error.type"))] | map(tostring) | join(" ")')" \
		'"GET /cut error true"' "client span of the cut response (method path status has-error.type)" ||
		fail "$(spans 'select(.kind=="client")')"
}


# shutdown(SHUT_WR) sends a FIN but leaves the socket open for the reply:
# the connection is not over until the kernel moves it to TCP_CLOSE, so the
# response read after the FIN belongs to the request's span.
@test "a client that half-closes (shutdown SHUT_WR) still gets its response on its span" {
	start_nginx $PORT
	start_spantap --port $PORT --output json
	run "$PY" "$FIXTURES/halfclose_client.py" $PORT /index.html
	assert_eq "$output" "HTTP/1.1 200 OK" "the client's status line"
	wait_until 10 "nginx's log line" test "$(access_log_lines)" -ge 1
	stop_spantap

	assert_eq "$(spans 'select(.attributes["url.path"]=="/index.html") | [.kind, .attributes["http.response.status_code"]] | map(tostring) | join(" ")' | sort | tr '\n' ' ')" \
		'"client 200" "server 200" ' "kind and status of the spans" || fail "$(dump_spans)"
	assert_eq "$(counter http1 unanswered_requests)" 0 "http1 unanswered_requests" || fail "$(tail -3 "$SPANTAP_ERR")"
	assert_no_loss
}

# splice(2) moves a body from a pipe into the socket with no read or write
# syscall: the socket layer sees it, the syscall tracepoints do not. Counted
# (not copied), its bytes keep the later responses at their stream
# positions; lost, every response after the first is garbage.
@test "bodies sent by splice keep a keep-alive connection's later responses in place" {
	case $(attach_mode) in
	sock-tracepoint | socket) ;;
	*) skip "the $(attach_mode) mode does not see splice" ;;
	esac
	start_bg splice.log "$PY" "$FIXTURES/splice_server.py" $PORT
	wait_for_port $PORT || fail "$(cat "$BATS_TEST_TMPDIR/splice.log")"
	start_spantap --port $PORT --output json
	curl -sS -o /dev/null -o /dev/null -o /dev/null "$URL/a" "$URL/b" "$URL/c"
	wait_until 10 "three spliced bodies" test "$(grep -c '^spliced 300$' "$BATS_TEST_TMPDIR/splice.log")" -eq 3
	stop_spantap

	assert_eq "$(spans 'select(.kind=="server") | [.attributes["url.path"], .attributes["http.response.status_code"]] | map(tostring) | join(" ")' | tr '\n' ' ')" \
		'"/a 200" "/b 200" "/c 200" ' "server spans (path status)" || fail "$(dump_spans)"
	assert_eq "$(spans_where 'select(.kind=="client" and .attributes["http.response.status_code"]==200)')" 3 "client spans with 200" || fail "$(dump_spans)"
	assert_eq "$(counter agent conns_midstream)" 0 "agent conns_midstream"
	assert_no_loss
}

# A process's first connection wakes the agent at once (it reads the
# process from /proc before a short-lived one is gone); once the agent
# knows the process, its connections wait for the next poll. A wakeup per
# connection cost the agent more than the connections' events.
@test "100 connections from one client: the agent is woken for the processes, not for each connection" {
	start_nginx $PORT
	start_spantap --port $PORT --output json
	"$PY" -c '
import http.client, sys
for i in range(100):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
    c.request("GET", "/index.html")
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
    c.close()
' $PORT || fail "the python client failed"
	stop_spantap

	assert_eq "$(spans_where 'select(.kind=="server")')" 100 "nginx server spans"
	assert_eq "$(spans_where 'select(.kind=="client" and (.service_name | startswith("python")))')" 100 \
		"python client spans, named from /proc" || fail "$(dump_spans)"
	# 200 connections opened (both ends); the build before woke the agent
	# for each. Two processes to learn, and the ring's own threshold.
	local w
	w=$(counter ring wakeups) || return 1
	[ "$w" -le 20 ] || fail "the agent was woken $w times for 200 connection opens of 2 processes"
	assert_no_loss
}
