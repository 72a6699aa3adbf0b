#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Whole traces from services that know nothing of tracing: curl -> A (a
# threaded Python server that calls B) -> B (calls nginx) -> nginx, all on
# this node. Each request makes six spans joined by five parent edges:
# connection (A's server span under curl's client span), thread (A's client
# span under A's server span), connection, thread, connection.

load helpers

A=18160
B=18161
NGX=18162

start_chain() {
	start_nginx $NGX 'location /r/ { return 200 "ok\n"; }'
	start_bg chain-b.log "$PY" "$FIXTURES/chain_server.py" $B "http://127.0.0.1:$NGX"
	wait_for_port $B
	start_bg chain-a.log "$PY" "$FIXTURES/chain_server.py" $A "http://127.0.0.1:$B"
	wait_for_port $A
}

# check_traces N: N requests, each one trace of six spans with the five
# expected parent edges, written to $BATS_TEST_TMPDIR/edges
check_traces() {
	local n=$1
	# one line per span: trace span parent kind port(server side) path source
	jq -r '[.trace_id, .span_id, .parent_span_id, .kind,
		(.attributes["server.port"] | tostring), .attributes["url.path"],
		(.attributes["spantap.parent.source"] // "-")] | join("|")' "$SPANTAP_OUT" >"$BATS_TEST_TMPDIR/spans"
	assert_eq "$(wc -l <"$BATS_TEST_TMPDIR/spans")" $((6 * n)) "spans" || fail "$(dump_spans)"
	assert_eq "$(cut -d'|' -f1 "$BATS_TEST_TMPDIR/spans" | sort -u | wc -l)" "$n" "distinct trace ids" || fail "$(cat "$BATS_TEST_TMPDIR/spans")"
	# each trace: six spans, one path, the expected edges
	"$PY" - "$BATS_TEST_TMPDIR/spans" <<'PYEOF'
import collections, sys
traces = collections.defaultdict(list)
for line in open(sys.argv[1]):
    t, s, p, kind, port, path, src = line.rstrip("\n").split("|")
    traces[t].append(dict(span=s, parent=p, kind=kind, port=port, path=path, src=src))
want = {  # (kind, server port) -> (parent's kind, parent's server port, source)
    ("server", "18160"): ("client", "18160", "connection"),
    ("client", "18161"): ("server", "18160", "thread"),
    ("server", "18161"): ("client", "18161", "connection"),
    ("client", "18162"): ("server", "18161", "thread"),
    ("server", "18162"): ("client", "18162", "connection"),
}
bad = 0
for t, spans in traces.items():
    by_id = {x["span"]: x for x in spans}
    paths = {x["path"] for x in spans}
    if len(spans) != 6 or len(paths) != 1:
        print(f"trace {t}: {len(spans)} spans, paths {paths}"); bad += 1; continue
    for x in spans:
        key = (x["kind"], x["port"])
        if key == ("client", "18160") or x["src"] == "traceparent":
            # curl's span is a root, or both ends took the header's parent
            ok = x["parent"] == "" or x["src"] == "traceparent"
        else:
            p = by_id.get(x["parent"])
            ok = p is not None and (p["kind"], p["port"], x["src"]) == want[key]
        if not ok:
            print(f"trace {t}: {key} has parent {x['parent']} via {x['src']}"); bad += 1
sys.exit(1 if bad else 0)
PYEOF
}

@test "links: curl -> A -> B -> nginx, one request at a time: one trace of six spans each" {
	start_chain
	start_spantap --port $A --port $B --port $NGX --output json
	local i
	for ((i = 0; i < 10; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/r/$i")" 200 "request $i"
	done
	stop_spantap
	check_traces 10
	assert_eq "$(counter links thread_ambiguous)" 0 "thread_ambiguous"
	assert_eq "$(counter links connection_unseen)" 0 "server spans whose local client end was not seen"
	assert_eq "$(counter links connection)" 30 "connection links"
	assert_eq "$(counter links thread)" 20 "thread links"
}

@test "links: 20 requests in flight at once: no span lands in another request's trace" {
	start_chain
	start_spantap --port $A --port $B --port $NGX --output json
	seq 0 19 | xargs -P 20 -I{} curl -sS -o /dev/null "http://127.0.0.1:$A/r/{}"
	wait_until 20 "120 spans" _spans_at_least 120
	stop_spantap
	check_traces 20
}

_spans_at_least() {
	[ "$(wc -l <"$SPANTAP_OUT")" -ge "$1" ]
}

@test "links: a request sent with a traceparent continues that trace" {
	start_chain
	start_spantap --port $A --port $B --port $NGX --output json
	local tid=4bf92f3577b34da6a3ce929d0e0e4736 pid=00f067aa0ba902b7
	curl -sS -o /dev/null -H "traceparent: 00-$tid-$pid-01" -H 'tracestate: congo=t61rcWkgMzE' "http://127.0.0.1:$A/r/tp"
	stop_spantap
	check_traces 1
	assert_eq "$(spans '.trace_id' | sort -u)" "\"$tid\"" "every span in the sender's trace"
	assert_eq "$(spans 'select(.kind == "server" and .attributes["server.port"] == 18160) | .parent_span_id')" "\"$pid\"" "A's server span's parent: the header's"
	assert_eq "$(spans 'select(.kind == "server" and .attributes["server.port"] == 18160) | .attributes["spantap.parent.source"]')" '"traceparent"' "parent source"
}

@test "links: an invalid traceparent is ignored whole" {
	start_chain
	start_spantap --port $A --port $B --port $NGX --output json
	# uppercase hex is not W3C
	curl -sS -o /dev/null -H "traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01" "http://127.0.0.1:$A/r/bad"
	stop_spantap
	check_traces 1
	assert_eq "$(spans 'select(.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736")' | wc -l)" 0 "spans in the invalid header's trace"
	[ "$(counter http1 bad_traceparent)" -ge 1 ] || fail "bad_traceparent: $(counter http1 bad_traceparent)"
}

# Goroutines move between threads: in a Go program the thread a request was
# read on says nothing of which request a later call belongs to. A is run
# by a copy of python given a .go.buildinfo section, which is how spantap
# tells Go programs (objcopy, from binutils).
@test "links: no thread links in Go programs; connection links still made" {
	local gopy=$BATS_TEST_TMPDIR/python-go
	objcopy --add-section .go.buildinfo=/dev/null --set-section-flags .go.buildinfo=noload,readonly \
		"$(readlink -f "$PY")" "$gopy" || fail "objcopy failed"
	start_nginx $NGX 'location /r/ { return 200 "ok\n"; }'
	start_bg chain-b.log "$PY" "$FIXTURES/chain_server.py" $B "http://127.0.0.1:$NGX"
	wait_for_port $B
	start_bg chain-a.log "$gopy" "$FIXTURES/chain_server.py" $A "http://127.0.0.1:$B"
	wait_for_port $A
	start_spantap --port $A --port $B --port $NGX --output json
	local i
	for ((i = 0; i < 5; i++)); do
		assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/r/$i")" 200 "request $i"
	done
	stop_spantap
	assert_eq "$(counter links thread_not_used)" 5 "A's calls not linked by thread"
	assert_eq "$(counter links thread)" 5 "B's calls still linked by thread"
	assert_eq "$(counter links connection)" 15 "connection links"
	assert_eq "$(spans 'select(.kind == "client" and .attributes["server.port"] == 18161) | .parent_span_id' | sort -u)" '""' "A's client spans are roots"
}
