#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The kernel matrix's test of one kernel: run by the guest's init after it
# chrooted into the host's (read-only) root, and on the host itself for the
# host's row (tools/kernels/run.sh). Root, and build/spantap already built.
#   tests/kernels/guest-test.sh [SPANTAP [PORT]]
# (defaults: build/spantap beside this tree, port 18300; ports 18300-18399
# are the matrix's)
#   tests/kernels/guest-test.sh --list-cells
# prints the cells it tests, one a line (the matrix's columns after check).
#
#   1. `spantap check`: every BPF program loaded, the verifier's verdict
#   2. per attach mode the kernel supports: a python3 http.server on
#      127.0.0.1:PORT, `spantap capture --attach-mode MODE`, 5 curl requests
#      (4 GET /index.html 200, 1 GET /missing 404), SIGINT, and exactly 5
#      server + 5 client spans with the right path and status, no loss;
#      in every mode but tracepoint, no syscall tracepoint among spantap's
#      programs (one would send every syscall on the machine down the
#      kernel's traced path)
#   3. TLS, in the attach mode capture picks by itself: the same 5 requests
#      over HTTPS (tests/integration/fixtures/tls_server.py, Python's ssl
#      module on libssl.so.3, and curl) give 5 server + 5 client spans,
#      url.scheme https, no loss: the OpenSSL uprobes on this kernel
#   4. the instruction count of each of spantap's BPF programs, taken while
#      capture runs: verified_insns where the kernel reports it (5.16+),
#      else the translated length (bytes_xlated / 8)
#
# Results are lines on stdout starting with "@@SPANTAP " (everything else is
# log for people):
#   @@SPANTAP check pass|fail REASON
#   @@SPANTAP cell MODE pass|fail|notbuilt|n/a SECONDS REASON
#   @@SPANTAP insns NAME COUNT verified|xlated
#   @@SPANTAP verifier LINE       (check -v's output when check failed)
#   @@SPANTAP done
# The guest is emulated and slow: every wait polls with a deadline, no
# fixed sleeps.
set -euo pipefail

# The attach modes to test. A new mode is one more word here and one more
# case in mode_supported below.
modes=(sock-tracepoint tracepoint fentry kprobe)
if [ "${1:-}" = --list-cells ]; then
	printf '%s\n' "${modes[@]}" tls
	exit 0
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
# bpf_fdinfo
# shellcheck source-path=SCRIPTDIR source=../../tools/bench/bpf_fdinfo.sh
. "$top/tools/bench/bpf_fdinfo.sh"
spantap=${1:-$top/build/spantap}
port=${2:-18300}
url=http://127.0.0.1:$port
python=/usr/bin/python3
# the same programs whatever PATH says (the host's row runs from make)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mark() { echo "@@SPANTAP $*"; }
log() { echo "guest-test: $*"; }
# one line, at most 300 characters: a reason in the matrix
oneline() { tr '\n\t' '  ' | sed -E 's/ +/ /g; s/^ //; s/ $//' | cut -c1-300; }

work=$(mktemp -d /tmp/spantap-ktest.XXXXXX)
py_pid=
tls_pid=
sp_pid=
curl_args=()
cleanup() {
	local p
	for p in $sp_pid $py_pid $tls_pid; do
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
# a timeout or Ctrl-C: exit, so that cleanup runs
trap 'exit 143' TERM
trap 'exit 130' INT

alive() { kill -0 "$1" 2>/dev/null; }

# refusal FILE: from libbpf's messages in FILE (spantap prints them when the
# kernel refuses a program), "PROGRAM: the verifier's last word", or nothing
refusal() {
	awk '/^libbpf: prog .*: BPF program load failed/ && prog == "" { prog = $3; gsub(/[\047:]/, "", prog) }
		/-- BEGIN PROG LOAD LOG --/ { inlog = 1; next }
		/-- END PROG LOAD LOG --/ { inlog = 0; if (why == "") why = last; next }
		inlog && $0 !~ /^(processed [0-9]+ insns|verification time|stack depth|[ \t]*$)/ { last = $0 }
		END { if (prog != "") printf "%s: %s\n", prog, (why == "" ? "refused, no verifier log" : why) }' "$1" 2>/dev/null | head -1 || true
}

# wait_exit PID SECONDS: until PID exits; its status in $wait_status.
# Returns 1 when it is still running at the deadline.
wait_exit() {
	local deadline=$((SECONDS + $2))
	while alive "$1"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
	wait_status=0
	wait "$1" || wait_status=$?
}

for c in "$spantap" "$python" curl jq bpftool; do
	command -v "$c" >/dev/null || {
		mark "check fail missing $c on this root"
		mark "done"
		exit 0
	}
done
log "kernel $(uname -r), $(nproc) CPUs, spantap $spantap"

# --- 1. spantap check ---------------------------------------------------------

t0=$SECONDS
st=0
"$spantap" check >"$work/check.out" 2>"$work/check.err" || st=$?
sed 's/^/  /' "$work/check.out" "$work/check.err"
feature() { awk -v f="$1" '$1 == f && NF >= 2 { print $2; exit }' "$work/check.out"; }
if [ $st -eq 0 ] && grep -qE '^ *BPF programs +yes' "$work/check.out"; then
	how=$(sed -nE 's/^ *reads and writes +//p' "$work/check.out" | oneline)
	mark "check pass $(sed -nE 's/^ *BPF programs +yes +//p' "$work/check.out" | oneline)${how:+; reads and writes: $how} ($((SECONDS - t0)) s)"
else
	why=$(sed -nE 's/^ *BPF programs +no +//p; s/^ *attach mode +none: +//p' "$work/check.out" | oneline)
	[ -n "$why" ] || why=$(grep -v '^libbpf: ' "$work/check.err" | tail -2 | oneline || true)
	r=$(refusal "$work/check.err")
	mark "check fail exit $st: $why${r:+; $r}"
	# the verifier's words: libbpf's lines naming the program refused, and
	# the end (at most 30 lines) of each verifier log it printed
	"$spantap" check -v >/dev/null 2>"$work/check-v.err" || true
	awk '/-- BEGIN PROG LOAD LOG --/ { inlog = 1; n = 0; next }
		/-- END PROG LOAD LOG --/ { inlog = 0; s = (n > 30) ? n - 30 : 0
			if (s) print "  ... (" s " lines)"
			for (i = s + 1; i <= n; i++) print "  " l[i]; next }
		inlog { l[++n] = $0; next }
		/^libbpf: prog .*(failed|error)|^libbpf: failed to load/' "$work/check-v.err" |
		while IFS= read -r l; do mark "verifier $l"; done
fi

# --- 2. capture, per attach mode ------------------------------------------------

# mode_supported MODE: whether this kernel has what MODE needs, as spantap
# check says
mode_supported() {
	case $1 in
	sock-tracepoint) grep -qE '^ *socket tracepoints +yes' "$work/check.out" ;;
	tracepoint) grep -qE '^ *syscall tracepoints +yes' "$work/check.out" ;;
	fentry) [ "$(feature fentry)" = yes ] ;;
	kprobe) [ "$(feature kprobes)" = yes ] ;;
	*) return 1 ;;
	esac
}

mkdir -p "$work/www"
echo '<html><body>spantap kernel matrix</body></html>' >"$work/www/index.html"

# start_server PIDVAR URL CMD...: CMD in the background, its pid into
# PIDVAR, ready when curl gets an answer from URL (before capture starts:
# these requests are not counted). curl's extra arguments in $curl_args.
start_server() {
	local var=$1 u=$2 pid
	shift 2
	# on the host something else may hold the port: it would answer for us
	if curl -s -o /dev/null --max-time 5 "${curl_args[@]}" "$u/"; then
		log "something already answers on $u"
		return 1
	fi
	"$@" >"$work/$var.log" 2>&1 </dev/null &
	pid=$!
	printf -v "$var" %s "$pid"
	local deadline=$((SECONDS + 120))
	until curl -s -o /dev/null --max-time 5 "${curl_args[@]}" "$u/index.html"; do
		alive "$pid" || {
			log "$1 exited: $(tail -3 "$work/$var.log")"
			return 1
		}
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
	alive "$pid"
}

# insns PID MODE: the instruction counts of the BPF programs PID holds, into
# $work/insns.MODE as "name count verified|xlated", and their types into
# $work/types.MODE as "name type" (bpftool's). The ids and, on 5.16+,
# verified_insns come from /proc/PID/fdinfo (Debian's bpftool 7.1 does not
# print verified_insns); names and translated lengths from bpftool, whose
# names are whole (the kernel's are cut at 15 characters).
insns() {
	local vi
	vi=$(bpf_fdinfo "$1" prog_id verified_insns | awk '{ if (!($1 in v) || $2 > v[$1]) v[$1] = $2 }
		END { printf "{"; for (i in v) { printf "%s\"%s\":%d", sep, i, v[i]; sep = "," } print "}" }')
	[ "$vi" != "{}" ] || {
		log "no BPF program fds in /proc/$1/fdinfo"
		return 0
	}
	bpftool prog show --json >"$work/progs.json" 2>"$work/bpftool.err" || {
		log "bpftool prog show failed: $(oneline <"$work/bpftool.err")"
		return 0
	}
	jq -r --argjson vi "$vi" '.[] | (.id | tostring) as $id | select($vi | has($id))
		| if $vi[$id] > 0 then "\(.name) \($vi[$id]) verified"
		  else "\(.name) \((.bytes_xlated // 0) / 8 | floor) xlated" end' \
		"$work/progs.json" | sort -u >"$work/insns.$2"
	jq -r --argjson vi "$vi" '.[] | (.id | tostring) as $id | select($vi | has($id))
		| "\(.name) \(.type)"' "$work/progs.json" | sort -u >"$work/types.$2"
}

# capture CELL MODE URL: one cell, requests to URL (scheme://host:port;
# curl's extra arguments in $curl_args) in attach mode MODE, or the one
# capture picks when MODE is empty; sets cell_result and cell_reason
capture() {
	local r cell=$1 mode=$2 base=$3 out=$work/sp.$1.out err=$work/sp.$1.err i p want v code expected got n_srv n_cli n_all c k bad
	local scheme=${3%%://*} cport=${3##*:}
	cell_result=fail cell_reason=
	"$spantap" capture ${mode:+--attach-mode "$mode"} --port "$cport" --output json --duration 600 \
		>"$out" 2>"$err" </dev/null &
	sp_pid=$!
	local deadline=$((SECONDS + 180))
	until grep -q capturing "$err"; do
		if ! alive "$sp_pid"; then
			wait "$sp_pid" || true
			sp_pid=
			sed 's/^/  /' "$err"
			if grep -q 'not built yet' "$err"; then
				cell_result=notbuilt cell_reason=$(grep 'not built yet' "$err" | head -1 | oneline || true)
			else
				r=$(refusal "$err")
				# spantap's own words, not libbpf's or the verifier's
				cell_reason="spantap exited before capturing: $({ grep '^spantap: ' "$err" | grep -vE '^spantap: [a-z0-9]*: [a-z_]*=' | tail -2 | oneline; } || true)${r:+; $r}"
			fi
			return 0
		fi
		if [ $SECONDS -ge $deadline ]; then
			cell_reason="spantap did not say 'capturing' within 180 s: $(tail -3 "$err" | oneline)"
			return 0
		fi
		sleep 0.1
	done
	log "$cell: spantap capturing after $((SECONDS - deadline + 180)) s"
	insns "$sp_pid" "$cell"

	expected=$work/expected.$cell
	: >"$expected"
	bad=
	# spantap's classic tracepoints are the syscalls', the scheduler's
	# and inet_sock_set_state
	if [ -n "$mode" ] && [ "$mode" != tracepoint ] && [ -s "$work/types.$cell" ]; then
		v=$(awk '$2 == "tracepoint" && $1 !~ /^tp_sched_/ && $1 != "tp_inet_sock_set_state" { printf "%s%s", s, $1; s = " " }' "$work/types.$cell")
		[ -z "$v" ] || bad="syscall tracepoints attached: $v"
	fi
	for i in 1 2 3 4 5; do
		if [ $i -eq 3 ]; then p=/missing want=404; else p=/index.html want=200; fi
		code=$(curl -sS "${curl_args[@]}" -o /dev/null --max-time 30 -w '%{http_code}' "$base$p" 2>>"$work/curl.err") || true
		[ "$code" = "$want" ] || bad="${bad:+$bad; }curl $p: $code, not $want"
		echo "GET $p $want" >>"$expected"
	done
	sort -o "$expected" "$expected"

	kill -INT "$sp_pid"
	if ! wait_exit "$sp_pid" 120; then
		cell_reason="spantap did not exit within 120 s of SIGINT"
		return 0
	fi
	sp_pid=
	grep '^spantap: ' "$err" | sed 's/^/  /' || true
	[ "$wait_status" -eq 0 ] || bad="${bad:+$bad; }spantap exited $wait_status: $(grep -v '^spantap: [a-z0-9]*: [a-z_]*=' "$err" | tail -2 | oneline || true)"

	# (jq failing on a line that is no JSON counts what came before it)
	n_srv=$(jq -c 'select(.kind=="server")' "$out" | wc -l || true)
	n_cli=$(jq -c 'select(.kind=="client" and .service_name=="curl")' "$out" | wc -l || true)
	n_all=$(jq -c . "$out" | wc -l || true)
	[ "$n_srv" -eq 5 ] && [ "$n_cli" -eq 5 ] || bad="${bad:+$bad; }$n_srv server + $n_cli curl client spans, not 5 + 5"
	[ "$n_all" -eq 10 ] || bad="${bad:+$bad; }$n_all spans in all, not 10"
	v=$(jq -c --arg s "$scheme" 'select(.attributes["url.scheme"] != $s)' "$out" | wc -l || true)
	[ "$v" -eq 0 ] || bad="${bad:+$bad; }$v spans whose url.scheme is not $scheme"
	for k in server client; do
		got=$(jq -r "select(.kind==\"$k\") | \"\(.name) \(.attributes[\"url.path\"]) \(.attributes[\"http.response.status_code\"])\"" "$out" | sort || true)
		[ "$got" = "$(cat "$expected")" ] ||
			bad="${bad:+$bad; }$k spans' method/path/status: $(if [ -n "$got" ]; then uniq -c <<<"$got" | oneline; else echo none; fi)"
	done
	# nothing lost: the counters the integration tests hold at zero
	for c in kernel:ringbuf_full kernel:conn_map_full kernel:args_map_full kernel:tls_no_socket http1:unmatched_responses; do
		v=$(sed -nE "s/^spantap: ${c%%:*}: .*\\b${c#*:}=([0-9]+).*/\\1/p" "$err" | tail -1)
		[ "${v:-0}" -eq 0 ] || bad="${bad:+$bad; }${c/:/ } $v"
	done
	if [ -n "$bad" ]; then
		cell_reason=$bad
		{ jq -r '[.kind, .service_name, .name, .attributes["url.path"], .attributes["http.response.status_code"]] | map(tostring) | join(" ")' "$out" | sed 's/^/  span: /' | head -40; } || true
	else
		cell_result=pass cell_reason="5 server + 5 client spans"
	fi
}

server_ok=1
for mode in "${modes[@]}"; do
	t0=$SECONDS
	if ! mode_supported "$mode"; then
		mark "cell $mode n/a 0 kernel lacks what the mode needs (spantap check)"
		continue
	fi
	if [ -z "$py_pid" ] && [ $server_ok -eq 1 ]; then
		start_server py_pid "$url" "$python" -m http.server "$port" \
			--bind 127.0.0.1 --directory "$work/www" || server_ok=0
	fi
	if [ $server_ok -eq 0 ]; then
		mark "cell $mode fail $((SECONDS - t0)) python3 http.server did not start on $url (port in use?)"
		continue
	fi
	log "$mode: capture test"
	capture "$mode" "$mode" "$url"
	mark "cell $mode $cell_result $((SECONDS - t0)) $cell_reason"
done

# --- 3. TLS, in the mode capture picks -----------------------------------------

t0=$SECONDS
tls_url=https://127.0.0.1:$((port + 1))
picked=$(sed -nE 's/^ *attach mode +([a-z-]+).*/\1/p' "$work/check.out" | head -1)
mkdir -p "$work/tls"
curl_args=(--cacert "$work/tls/cert.pem")
if [ -z "$picked" ]; then
	mark "cell tls fail 0 spantap check names no attach mode"
elif ! command -v openssl >/dev/null ||
	! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" -days 2 \
		-subj /CN=127.0.0.1 -addext 'subjectAltName=IP:127.0.0.1' \
		>"$work/tls/openssl.log" 2>&1; then
	mark "cell tls fail $((SECONDS - t0)) no certificate: openssl req: $(oneline <"$work/tls/openssl.log" 2>/dev/null || echo missing)"
elif ! start_server tls_pid "$tls_url" "$python" \
	"$top/tests/integration/fixtures/tls_server.py" $((port + 1)) \
	"$work/tls/cert.pem" "$work/tls/key.pem"; then
	mark "cell tls fail $((SECONDS - t0)) the HTTPS server did not start on $tls_url: $(tail -2 "$work/tls_pid.log" | oneline)"
else
	log "tls: capture test ($picked)"
	capture tls "" "$tls_url"
	[ "$cell_result" != pass ] || cell_reason="$cell_reason over TLS ($picked)"
	mark "cell tls $cell_result $((SECONDS - t0)) $cell_reason"
fi
curl_args=()

# --- 4. instruction counts: each program once, from the first cell loading it --

# (none when no capture started)
for f in "$work"/insns.*; do
	if [ -e "$f" ]; then cat "$f"; fi
done | awk '!seen[$1]++' | sort | while read -r name n kind; do
	mark "insns $name $n $kind"
done
mark "done"
