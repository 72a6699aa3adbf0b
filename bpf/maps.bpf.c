// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The one definition of every shared map and knob (see lib/maps.bpf.h). */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define SPANTAP_DEFINE_MAPS
#include "lib/maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
