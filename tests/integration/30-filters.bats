#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# --port, --comm and --pid filters, and spantap not tracing itself. nginx
# listens on PORT_A, python http.server on PORT_B.

load helpers

PORT_A=18130
PORT_B=18131

setup() {
	start_nginx $PORT_A
	start_pyserver $PORT_B
}

# traffic: 2 requests to each server, sequential
traffic() {
	local i
	for ((i = 0; i < 2; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT_A/index.html")" 200 "curl nginx"
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT_B/hello.txt")" 200 "curl python"
	done
}

# spans of our traffic to PORT: client spans to it, server spans behind it
to_port() {
	echo "select((.kind==\"client\" and .attributes[\"network.peer.port\"]==$1)
		or (.kind==\"server\" and .attributes[\"server.port\"]==$1))"
}

@test "--port A: only connections on port A, nothing on port B" {
	start_spantap --port $PORT_A --output json
	traffic
	stop_spantap

	assert_eq "$(spans_where "$(to_port $PORT_A) | select(.kind==\"server\" and .service_name==\"nginx\")")" 2 \
		"nginx server spans on port A" || fail "$(dump_spans)"
	assert_eq "$(spans_where "$(to_port $PORT_A) | select(.kind==\"client\" and .service_name==\"curl\")")" 2 \
		"curl client spans to port A" || fail "$(dump_spans)"
	assert_eq "$(spans_where .)" 4 "all spans"
	# an attribute that is port B, or a URL or address with it; not the
	# span's text, whose ids and nanosecond times hold any five digits
	# now and then
	assert_eq "$(spans_where "select(.attributes | to_entries | any(.value | tostring | . == \"$PORT_B\" or test(\":$PORT_B(/|\$)\")))")" 0 \
		"spans with an attribute naming port B" || fail "$(dump_spans)"
}

@test "--port A --port B: either port (OR within a kind)" {
	start_spantap --port $PORT_A --port $PORT_B --output json
	traffic
	stop_spantap

	assert_eq "$(spans_where "$(to_port $PORT_A)")" 4 "spans on port A" || fail "$(dump_spans)"
	assert_eq "$(spans_where "$(to_port $PORT_B)")" 4 "spans on port B" || fail "$(dump_spans)"
	assert_eq "$(spans_where .)" 8 "all spans"
}

@test "--comm curl: only curl's client spans, no server spans" {
	start_spantap --comm curl --output json
	traffic
	stop_spantap

	# other curl processes on this host may show up too, but only as curl
	assert_eq "$(spans_where 'select(.service_name != "curl" or .kind != "client")')" 0 \
		"spans that are not curl client spans" || fail "$(dump_spans)"
	assert_eq "$(spans_where 'select(.attributes["process.executable.name"] != "curl")')" 0 \
		"spans of another executable"
	assert_eq "$(spans_where "$(to_port $PORT_A)")" 2 "curl spans to port A" || fail "$(dump_spans)"
	assert_eq "$(spans_where "$(to_port $PORT_B)")" 2 "curl spans to port B" || fail "$(dump_spans)"
}

@test "--comm curl --port B: both must match (AND across kinds)" {
	start_spantap --comm curl --port $PORT_B --output json
	traffic
	stop_spantap

	assert_eq "$(spans_where "$(to_port $PORT_B) | select(.kind==\"client\" and .service_name==\"curl\")")" 2 \
		"curl client spans to port B" || fail "$(dump_spans)"
	assert_eq "$(spans_where .)" 2 "all spans" || fail "$(dump_spans)"
}

@test "--pid of the python server: only its server spans, no curl client spans" {
	start_spantap --pid "$PYSERVER_PID" --output json
	traffic
	stop_spantap

	assert_eq "$(spans_where "select(.pid != $PYSERVER_PID or .kind != \"server\")")" 0 \
		"spans not from the python server" || fail "$(dump_spans)"
	assert_eq "$(spans_where 'select(.attributes["url.path"]=="/hello.txt" and .attributes["http.response.status_code"]==200)')" 2 \
		"python server spans GET /hello.txt 200" || fail "$(dump_spans)"
	assert_eq "$(spans_where .)" 2 "all spans"
	assert_eq "$(spans_where 'select(.attributes["process.pid"] != .pid)')" 0 "spans whose process.pid differs from pid"
}

@test "no filter: spantap never reports its own traffic" {
	start_spantap --output json
	traffic
	stop_spantap

	# the rest of the host may add spans; ours must be there
	assert_eq "$(spans_where "$(to_port $PORT_A)")" 4 "spans on port A" || fail "$(dump_spans)"
	assert_eq "$(spans_where "$(to_port $PORT_B)")" 4 "spans on port B" || fail "$(dump_spans)"
	assert_eq "$(spans_where "select(.pid == $SPANTAP_PID or .attributes[\"process.pid\"] == $SPANTAP_PID)")" 0 \
		"spans of spantap itself (pid $SPANTAP_PID)"
	assert_eq "$(spans_where 'select(.service_name == "spantap" or .attributes["process.executable.name"] == "spantap")')" 0 \
		"spans named spantap"
}
