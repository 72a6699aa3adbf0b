#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make bench: what tracing costs, measured on this machine in a few minutes.
#   tools/bench/run.sh [build/spantap]
#
# A private nginx on 127.0.0.1:18200 serves a small file; wrk and h2load load
# it from the same machine; spantap captures that port (both ends: the load
# generator's client span and nginx's server span per request). Figures:
#   1. overhead: untraced and traced runs interleaved (U T U T ...), ratios
#      per pair, medians reported: CPU per request, throughput, p99 latency;
#      and CPU per request again at a fixed rate (h2load --rps)
#   1b. the server's side only: CPU per request under --comm nginx, pairs
#   1c. a connection per request (wrk -H 'Connection: close'), pairs: CPU
#      per request and throughput
#   2. completeness: spans / (2 x requests nginx logged), every loss counter
#   3. ceiling: a rate ladder (h2load --rps) up to saturation, traced
#   4. kernel cost: BPF run time per program (kernel.bpf_stats_enabled=1),
#      in a run of its own, and events per request
#   5. agent cost: spantap's CPU per 100k spans and its peak RSS
#   6. userspace alone: spantap record, then spantap replay --repeat N
#   7. export: the same recording replayed into an OTLP sink (nginx answering
#      200): spans/s, CPU per 100k spans, bytes per span, gzip off and on
#   8. https: a second private nginx serving the file over TLS on port+20
#      (18220), wrk https, untraced and traced pairs as in 1: CPU per request,
#      throughput, p99, completeness, loss counters; one traced run with BPF
#      statistics for the OpenSSL uprobe programs
#   9. another protocol: a private redis-server on port+30 (18230) loaded by
#      redis-benchmark (GET, -c32), untraced and traced pairs: CPU per
#      request and throughput, with the transfers the kernel held back (not
#      HTTP, told by the connections' first bytes)
# It prints a table and writes it to build/bench/results.md (beside spantap).
# It exits 0 whatever the figures; non-zero only when it could not measure.
#
# Knobs (environment): BENCH_PAIRS (6) untraced/traced pairs, BENCH_RUN_S (8)
# seconds per wrk run, BENCH_STEP_S (4) seconds per ladder step,
# BENCH_FIXED_PAIRS (4) pairs at a fixed rate, BENCH_SERVER_PAIRS (4),
# BENCH_SHORT_PAIRS (4) and BENCH_FLOOR_PAIRS (4) pairs of those steps, BENCH_TLS_PAIRS (4) pairs of
# the https step, BENCH_OTHER_PAIRS (4) and BENCH_OTHER_OPS (400000) pairs
# and requests per run of the other-protocol step, BENCH_PORT (18200, within
# 18200-18269: the https step uses BENCH_PORT + 20, the other-protocol step
# BENCH_PORT + 30), BENCH_STEPS (all) the steps to run, a comma list of
# overhead (1, 2, 5), fixed (1's fixed rate), server (1b), short (1c),
# ceiling (3),
# kernel (4), floor (4b), replay (6), export (7), https (8), other (9);
# fixed and ceiling bring overhead along
# (they use its untraced rate), export brings replay (its recording).
#
# The files beside this one: counters.sh (spantap's exit counters, medians;
# shared with tests/kernels/guest-bench.sh), bpf_fdinfo.sh (a process's BPF
# fds; shared with tests/kernels and tests/integration), lib.sh (the measuring helpers
# and the servers), step_overhead.sh (overhead, fixed, server, short), step_kernel.sh
# (kernel, floor), step_ceiling.sh, step_replay.sh (replay, export),
# step_https.sh, step_other.sh and report.sh (the table and results.md). This one reads
# the knobs, declares the globals they share and runs the steps in order.
# shellcheck source-path=SCRIPTDIR # the files above, for shellcheck -x
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
# shellcheck source=counters.sh
. "$here/counters.sh"
# shellcheck source=bpf_fdinfo.sh
. "$here/bpf_fdinfo.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=step_overhead.sh
. "$here/step_overhead.sh"
# shellcheck source=step_kernel.sh
. "$here/step_kernel.sh"
# shellcheck source=step_ceiling.sh
. "$here/step_ceiling.sh"
# shellcheck source=step_replay.sh
. "$here/step_replay.sh"
# shellcheck source=step_https.sh
. "$here/step_https.sh"
# shellcheck source=step_other.sh
. "$here/step_other.sh"
# shellcheck source=report.sh
. "$here/report.sh"

# --- the knobs, and what follows from them ---------------------------------------

spantap=${1:-build/spantap}
pairs=${BENCH_PAIRS:-6}
run_s=${BENCH_RUN_S:-8}
step_s=${BENCH_STEP_S:-4}
tls_pairs=${BENCH_TLS_PAIRS:-4}
fixed_pairs=${BENCH_FIXED_PAIRS:-4}
floor_pairs=${BENCH_FLOOR_PAIRS:-4}
server_pairs=${BENCH_SERVER_PAIRS:-4}
short_pairs=${BENCH_SHORT_PAIRS:-4}
other_pairs=${BENCH_OTHER_PAIRS:-4}
other_ops=${BENCH_OTHER_OPS:-400000}
port=${BENCH_PORT:-18200}
conns=32 # wrk -t1 -c32, the issue's load
sink_port=$((port + 1)) # OTLP sink (nginx) for the export step
tls_port=$((port + 20)) # the https step's nginx
redis_port=$((port + 30)) # the other-protocol step's redis-server
url=http://127.0.0.1:$port/small.html
tls_url=https://127.0.0.1:$tls_port/small.html
outdir=$(dirname "$spantap")/bench
results=$outdir/results.md
tck=$(getconf CLK_TCK)
t_start=$SECONDS
cpu_at_start=$(cpu_line)

# --- the steps to run (BENCH_STEPS) ----------------------------------------------

steps_all=overhead,fixed,server,short,ceiling,kernel,floor,replay,export,https,other
steps=${BENCH_STEPS:-all}
[ "$steps" = all ] && steps=$steps_all
for s in ${steps//,/ }; do
	case ",$steps_all," in *",$s,"*) ;; *) die "BENCH_STEPS: no step '$s' (steps: $steps_all, or all)" ;; esac
done
need fixed overhead   # a fraction of the untraced wrk rate
need ceiling overhead # the same
need export replay    # replays its recording
plain=0 # a step loading the plain nginx
for s in overhead fixed server short ceiling kernel floor replay export; do want $s && plain=1; done

# --- preconditions -------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "spantap loads BPF programs: run as root (sudo make bench)"
[ -x "$spantap" ] || die "no $spantap: build it first (make)"
case $port in 182[0-6][0-9]) ;; *) die "BENCH_PORT must be within 18200-18269" ;; esac
"$here/../install-deps.sh" bench || say "some packages are missing (see above); going on with what is there"
needs=(nginx:nginx-light wrk:wrk bpftool:bpftool jq:jq ss:iproute2 sysctl:procps)
want https && needs+=(openssl:openssl)
want other && needs+=(redis-server:redis-server redis-benchmark:redis-tools)
for c in "${needs[@]}"; do
	command -v "${c%%:*}" >/dev/null ||
		die "${c%%:*} is missing: install the Debian package ${c#*:} (apt-get install ${c#*:})"
done
have_h2load=1
command -v h2load >/dev/null || have_h2load=0
if [ $plain -eq 1 ] && [ -n "$(ss -Hltn "sport = :$port")" ]; then
	die "port $port is in use; set BENCH_PORT to a free port in 18200-18299"
fi
if want https; then
	[ -z "$(ss -Hltn "sport = :$tls_port")" ] || die "port $tls_port (BENCH_PORT + 20, https) is in use; set BENCH_PORT"
fi
if want other; then
	[ -z "$(ss -Hltn "sport = :$redis_port")" ] || die "port $redis_port (BENCH_PORT + 30, redis) is in use; set BENCH_PORT"
fi

work=$(mktemp -d /tmp/spantap-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$outdir"
rows=$work/rows.tsv # the table (report.sh)

# --- the state the files share -------------------------------------------------

nginx_pids=() # every nginx master started (nginx_start)
nginx_workers=()
sp_pid=     # spantap
sp_wrap=    # its wrapper (measures its CPU)
stats_orig=
plain_pid='' plain_worker='' tls_pid='' tls_worker='' # servers_start
# Figures of the steps, by "TAG.name" (TAG: plain or tls, the target).
declare -A fig
# the figures of the steps outside fig, read by report.sh: set when their
# step runs (unset before: set -u stops a report reading one that did not)
declare fixed_rate f_ratio f_range f_u f_t f_served_u f_served_t # step_fixed
declare fl_ratio fl_range fl_added fl_u # step_floor
declare sv_ratio sv_range sv_added sv_u sv_spans sv_served sv_loss # step_server
declare sh_ratio sh_range sh_added sh_u sh_rps sh_spans sh_served sh_loss # step_short
wrk_extra=() # more arguments for wrk (step_short)
ceil_ok="" ceil_loss="" ceil_sat=0 # step_ceiling
declare rec_events repeat replay_evs replay_sps replay_evcpu replay_events # step_replay
replay_ok=0
declare exp_dropped exp_spans # step_export
export_ok=0
declare ot_ratio ot_range ot_added ot_u ot_rps ot_held ot_loss # step_other
other_ok=0
redis_pid=''

trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM
cpuwrap_write
: >"$work/fixed.tsv"  # step_fixed's runs; report.sh: empty if it did not run
: >"$work/ladder.tsv" # step_ceiling's steps; the same

# --- the servers ---------------------------------------------------------------

mkdir -p "$work/www" "$work/logs"
# 512 bytes: with nginx's ~240 bytes of headers a response fits in one
# --max-bytes (1024) copy
head -c 512 /dev/zero | tr '\0' 'x' >"$work/www/small.html"
chmod -R a+rX "$work/www"
say "$(nproc) cores, kernel $(uname -r), steps $steps"
servers_start

# --- the steps, in this order ----------------------------------------------------

if [ $plain -eq 1 ]; then
	use_target plain
	warm_up
fi
if want overhead; then step_overhead; fi
if want fixed && [ $have_h2load -eq 1 ]; then step_fixed; fi
if want kernel; then step_kernel; fi
if want floor; then step_floor; fi
if want server; then step_server; fi
if want short; then step_short; fi
if want ceiling && [ $have_h2load -eq 1 ]; then step_ceiling; fi
if want replay && "$spantap" help 2>&1 | grep -qw record && "$spantap" help 2>&1 | grep -qw replay; then step_replay; fi
if want export && [ $replay_ok -eq 1 ] && "$spantap" replay --help 2>&1 | grep -q -- --otlp-endpoint; then step_export; fi
if want https; then step_https; fi
if want other; then step_other; fi
report
