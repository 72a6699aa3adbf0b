/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Which processes and connections are traced. Each kind of filter given
 * (pids, comms, ports) must match; within a kind any entry matches. The
 * process check comes first in every program: it is the cheapest way out
 * for the rest of the system.
 */
#ifndef __SPANTAP_FILTER_BPF_H
#define __SPANTAP_FILTER_BPF_H

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"

static __always_inline bool task_selected(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;
	char comm[ST_COMM_LEN] = {};

	if (tgid == self_tgid)
		return false;
	if (filter_pids && !bpf_map_lookup_elem(&pid_filter, &tgid))
		return false;
	if (filter_comms) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&comm_filter, comm))
			return false;
	}
	return true;
}

/* A port filter matches either end of the connection. */
static __always_inline bool sock_selected(struct sock *sk)
{
	__u16 lport, rport;

	if (!filter_ports)
		return true;
	sk_ports(sk, &lport, &rport);
	return bpf_map_lookup_elem(&port_filter, &lport) ||
	       bpf_map_lookup_elem(&port_filter, &rport);
}

#endif /* __SPANTAP_FILTER_BPF_H */
