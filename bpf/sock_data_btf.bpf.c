// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The exit programs of sock_data.bpf.c (see lib/io_done.bpf.h) and the close
 * program of tcp_lifecycle.bpf.c (lib/fd_close.bpf.h) with the fd walk of
 * direct BTF loads, for kernels with bpf_rdonly_cast (6.2+): about 300 ns
 * less per call than a dozen probe reads. The loader loads these or those,
 * never both.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#define ST_BTF_WALK
#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/conn.bpf.h"
#include "lib/data.bpf.h"
#include "lib/io.bpf.h"

#define IO_DONE_FD_TO_SOCK fd_to_tcp_sock_btf
#define IO_DONE_SUFFIX _done_btf
#include "lib/io_done.bpf.h"

IO_DONE_PROGS()

#include "lib/fd_close.bpf.h"

FD_CLOSE_PROG(tp_enter_close_btf, fd_to_tcp_sock_btf)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
