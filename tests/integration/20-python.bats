#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# /usr/bin/python3 -m http.server: service name from OTEL_SERVICE_NAME,
# paths and status codes.

load helpers

PORT=18120
URL=http://127.0.0.1:$PORT

@test "python http.server with OTEL_SERVICE_NAME=shop: server spans named shop, right paths and statuses" {
	start_pyserver $PORT OTEL_SERVICE_NAME=shop
	start_spantap --port $PORT --output json
	local i
	for ((i = 0; i < 3; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/hello.txt")" 200 "curl /hello.txt"
	done
	for ((i = 0; i < 2; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/nope.txt")" 404 "curl /nope.txt"
	done
	stop_spantap

	local srv
	srv=$(spans 'select(.kind=="server")')
	assert_eq "$(jq -c . <<<"$srv" | wc -l)" 5 "server spans" || fail "$(dump_spans)"
	assert_eq "$(jq -r .service_name <<<"$srv" | sort -u)" shop "service_name of the server spans"
	assert_eq "$(jq -r .pid <<<"$srv" | sort -u)" "$PYSERVER_PID" "pid of the server spans"
	assert_eq "$(jq -r '"\(.name) \(.attributes["url.path"]) \(.attributes["http.response.status_code"])"' <<<"$srv" | sort | uniq -c | sed 's/^ *//')" \
		"3 GET /hello.txt 200
2 GET /nope.txt 404" "server spans' method, path, status"
	# the service name comes from the environment; the executable stays python
	assert_eq "$(jq -r '.attributes["process.executable.name"]' <<<"$srv" | sort -u | grep -c '^python3')" 1 \
		"process.executable.name of the server spans starts with python3"
	assert_eq "$(jq -r '.status' <<<"$srv" | sort -u)" unset "status of the server spans (404 is no server error)"
	# curl has no OTEL_SERVICE_NAME: its spans keep its executable name
	assert_eq "$(spans_where 'select(.kind=="client" and .service_name=="curl")')" 5 "curl client spans"
	assert_no_loss
}

@test "python http.server without OTEL_SERVICE_NAME: service is the executable name" {
	start_pyserver $PORT
	start_spantap --port $PORT --output json
	assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/")" 200 "curl /"
	stop_spantap

	local exe
	exe=$(basename "$(readlink -f /usr/bin/python3)")
	assert_eq "$(spans 'select(.kind=="server") | .service_name')" "\"$exe\"" "service_name of the server span"
	assert_eq "$(spans 'select(.kind=="server") | .attributes["url.path"]')" '"/"' "url.path of the server span"
}

# The client exits right after its response: spantap must still name its
# spans from its environment and executable, not fall back to its comm.
@test "short-lived clients: OTEL_SERVICE_NAME and the executable name still apply" {
	start_pyserver $PORT OTEL_SERVICE_NAME=shop
	start_spantap --port $PORT --output json
	local i
	for ((i = 0; i < 3; i++)); do
		OTEL_SERVICE_NAME=cart curl -sS -o /dev/null "$URL/hello.txt"
	done
	"$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' "$URL/index.html"
	stop_spantap

	assert_eq "$(spans_where 'select(.kind=="server" and .service_name=="shop")')" 4 "server spans of shop" ||
		fail "$(dump_spans)"
	assert_eq "$(spans 'select(.kind=="client" and .attributes["url.path"]=="/hello.txt") | .service_name' | sort | uniq -c | sed 's/^ *//')" \
		'3 "cart"' "service_name of curl's client spans (OTEL_SERVICE_NAME=cart)" || fail "$(dump_spans)"
	local exe
	exe=$(basename "$(readlink -f "$PY")")
	assert_eq "$(spans 'select(.kind=="client" and .attributes["url.path"]=="/index.html") | [.service_name, .attributes["process.executable.name"]] | join(" ")')" \
		"\"$exe $exe\"" "service_name and process.executable.name of the python client span" || fail "$(dump_spans)"
}
