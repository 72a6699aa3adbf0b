# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The steps on the kernel's cost, sourced by tools/bench/run.sh: kernel (4,
# BPF run time per program) and floor (4b, every program attached, nothing
# selected).

# --- 4: kernel cost, a run of its own with BPF run-time statistics -------------

step_kernel() {
	say "kernel cost: one ${run_s}-s traced wrk run with kernel.bpf_stats_enabled=1"
	bpf_stats_run plain
}

# --- 4b: the floor: every program attached, nothing selected -------------------
# spantap capture --pid 1: the same programs on the same hooks, each leaving
# at its first test. What this adds to nginx's CPU per request is the price
# of the hooks themselves (the traced syscall path, the tracepoints' own
# dispatch), which no work saved inside the programs can lower.
step_floor() {
	say "floor: $floor_pairs pairs of ${run_s}-s wrk runs, untraced then spantap selecting nothing (--pid 1)"
	cpu_pairs "$work/floor.tsv" "$floor_pairs" floor --pid 1 --output none
	read -r fl_ratio fl_range fl_added fl_u < <(cpu_pair_figures "$work/floor.tsv")
}
