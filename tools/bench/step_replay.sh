# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The userspace steps, sourced by tools/bench/run.sh: replay (6, spantap
# record, then spantap replay --repeat N) and export (7, the recording
# replayed into an OTLP/HTTP sink).

# --- 6: userspace alone, record and replay --------------------------------------

step_replay() {
	say "userspace alone: spantap record 3 s of the wrk load, then spantap replay"
	spantap_start record "$work/load.rec" --port "$port"
	wrk_run "$work/wrk.rec" 3
	settle
	spantap_stop
	rec_events=$(awk '/recorded [0-9]+ events/ { for (i = 1; i <= NF; i++) if ($i == "recorded") print $(i + 1) }' "$work/sp.err")
	[ -n "$rec_events" ] || rec_events=$(counter <(counters "$work/sp.err") kernel.events)
	[ "${rec_events:-0}" -gt 0 ] || die "spantap record wrote no events: $(tail -3 "$work/sp.err")"
	# about 5 M events per replay, 3 replays, the median reported
	repeat=$(awk -v e="$rec_events" 'BEGIN { n = int(5e6 / e + 0.999); print (n < 1 ? 1 : n > 200 ? 200 : n) }')
	: >"$work/replay.tsv"
	for i in 1 2 3; do
		"$work/cpuwrap.sh" "$work/replay.cpu" - "$spantap" replay "$work/load.rec" --repeat "$repeat" \
			>/dev/null 2>"$work/replay.err" || die "spantap replay failed: $(tail -3 "$work/replay.err")"
		line=$(grep '^replay:' "$work/replay.err" || true)
		[ -n "$line" ] || die "spantap replay printed no 'replay:' line: $(tail -3 "$work/replay.err")"
		# replay: E events, S spans, T s: X events/s, Y spans/s
		awk -v cpu="$(cat "$work/replay.cpu")" -v k="$tck" '{
			gsub(/[,:]/, ""); print $2, $4, $6, $8, $10, $2 / (cpu / k) }' <<<"$line" >>"$work/replay.tsv"
	done
	replay_evs=$(cut -d' ' -f4 "$work/replay.tsv" | median)
	replay_sps=$(cut -d' ' -f5 "$work/replay.tsv" | median)
	replay_evcpu=$(cut -d' ' -f6 "$work/replay.tsv" | median)
	replay_events=$(head -1 "$work/replay.tsv" | cut -d' ' -f1)
	replay_ok=1
}

# --- 7: export, the recording replayed into an OTLP/HTTP sink ---------------------

step_export() {
	say "export: spantap replay into an OTLP/HTTP sink (nginx answering 200), gzip off and on"
	: >"$work/export.tsv"
	for comp in none gzip none gzip none gzip; do
		"$spantap" replay "$work/load.rec" --otlp-endpoint "http://127.0.0.1:$sink_port" \
			--otlp-compression "$comp" >/dev/null 2>"$work/export.err" ||
			die "spantap replay with export failed: $(tail -3 "$work/export.err")"
		# replay: E events, S spans, T s: X events/s, Y spans/s
		# replay: cpu U s user, S s system (all threads)
		# spantap: otlp: queued=.., sent=N, requests=.., bytes=B, ...
		awk -v comp="$comp" '
			/^replay: [0-9]+ events/ { gsub(/[,:]/, ""); spans = $4; sps = $10 }
			/^replay: cpu/ { cpu = $3 + $6 }
			/^spantap: otlp:/ {
				for (i = 1; i <= NF; i++) {
					split($i, kv, "="); gsub(/,/, "", kv[2])
					if (kv[1] == "sent") sent = kv[2]
					if (kv[1] == "bytes") bytes = kv[2]
					if (kv[1] == "dropped") dropped = kv[2]
				}
			}
			END { print comp, sps, cpu / spans * 100000, bytes / sent, sent, dropped }' \
			"$work/export.err" >>"$work/export.tsv"
	done
	for comp in none gzip; do
		grep "^$comp " "$work/export.tsv" >"$work/export-$comp.tsv"
		fig[export.$comp.sps]=$(cut -d' ' -f2 "$work/export-$comp.tsv" | median)
		fig[export.$comp.cpu]=$(cut -d' ' -f3 "$work/export-$comp.tsv" | median)
		fig[export.$comp.bps]=$(cut -d' ' -f4 "$work/export-$comp.tsv" | median)
	done
	exp_dropped=$(awk '{ s += $6 } END { print s + 0 }' "$work/export.tsv")
	exp_spans=$(head -1 "$work/export.tsv" | cut -d' ' -f5)
	export_ok=1
}
