/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Just enough x86-64 decoding to place uprobes where they are cheap.
 *
 * A uprobe must run the instruction it replaced. The kernel emulates a few
 * (push of a register, call, jmp, jcc); any other is single-stepped out of
 * line, which on some machines costs tens of microseconds a hit. A
 * library's exported function often starts with such an instruction and
 * soon calls an internal one that starts with a push: probing the internal
 * function is then the same probe, far cheaper.
 *
 * The bytes come from files a traced process maps: every read is bounded by
 * the length given.
 */
#ifndef __SPANTAP_X86_INSN_H
#define __SPANTAP_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a function's start that the functions below look at, at most. */
#define X86_INSN_WINDOW 64

/* Whether the instruction at p is one the kernel's uprobes emulate. */
bool x86_insn__emulated(const uint8_t *p, size_t n);

/*
 * A function made of a short prologue (endbr64, pushes, sub from %rsp)
 * followed by a direct call: the call's target, relative to p, in *ret.
 * 0, or -ENOENT when the start of the function is not of that shape.
 */
int x86_insn__leading_call(const uint8_t *p, size_t n, int64_t *ret);

/*
 * Whether the first n bytes at p hold a direct call to target (relative to
 * p), found by its encoding at any byte: evidence, not a decoding.
 */
bool x86_insn__has_call_to(const uint8_t *p, size_t n, int64_t target);

#endif /* __SPANTAP_X86_INSN_H */
