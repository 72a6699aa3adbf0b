// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Processes the agent may have to attach uprobes to: one that exec'd (a new
 * executable, maybe with OpenSSL linked in), one whose dynamic linker has
 * mapped libraries (at start-up, or late with dlopen), and the end of one
 * that has uprobes attached, so they can be let go.
 *
 * These are rare next to data, and a process may use a library
 * milliseconds after mapping it: wake the agent at once.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"

static __always_inline void emit_proc_event(__u16 type, __u64 pid_tgid)
{
	struct st_proc_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(ST_STAT_RB_FULL);
		return;
	}
	event_hdr_fill(&e->hdr, type, sizeof(*e));
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	stat_inc(ST_STAT_EVENTS);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

SEC("tracepoint/sched/sched_process_exec")
int tp_sched_process_exec(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (task_selected(id))
		emit_proc_event(ST_EV_PROC_EXEC, id);
	return 0;
}

/*
 * The dynamic linker has mapped libraries (start-up, dlopen): its debugger
 * hook _dl_debug_state, probed in each dynamic linker file found.
 */
SEC("uprobe")
int BPF_KPROBE(ldso_debug_state)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (task_selected(id))
		emit_proc_event(ST_EV_PROC_MMAP, id);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_sched_process_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ssl_call *call = bpf_map_lookup_elem(&ssl_calls, &id);
	__u32 tgid = id >> 32;

	/* a thread's TLS call entry goes with it, active if it died in one */
	if (call) {
		if (call->active)
			ssl_calls_count(-1);
		bpf_map_delete_elem(&ssl_calls, &id);
	}
	/* the process, not one of its threads */
	if ((__u32)id != tgid)
		return 0;
	/* a process reusing the pid is not the one the agent knows */
	if (known_pids[ST_KNOWN_PID_SLOT(tgid)] == tgid)
		known_pids[ST_KNOWN_PID_SLOT(tgid)] = 0;
	if (!bpf_map_lookup_elem(&watched_pids, &tgid))
		return 0;
	bpf_map_delete_elem(&watched_pids, &tgid);
	emit_proc_event(ST_EV_PROC_EXIT, id);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
