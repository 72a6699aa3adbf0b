// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * BPF ring buffer consumer, see ringbuf_reader.h. The layout is the
 * kernel's (kernel/bpf/ringbuf.c): a page holding consumer_pos, which the
 * consumer writes, then a page holding producer_pos and the data pages,
 * which it maps read-only, the data mapped twice in a row so that a
 * record that wraps reads as one piece. Each record starts with an 8-byte
 * header whose first word is its length with the busy and discard bits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "ringbuf_reader.h"

/*
 * How far ahead of the record being handled its successors are fetched:
 * a few records' worth, enough to cover a cross-CPU miss while the
 * current one is parsed, little enough to stay in L1.
 */
#define PREFETCH_AHEAD 2048
#define LINE 64
/* Space goes back to the producers every this many bytes consumed. */
#define RELEASE_STEP (64 << 10)

struct ringbuf_reader {
	ringbuf_fn fn;
	void *ctx;
	int map_fd;
	int epfd;
	size_t page;
	size_t size;
	uint64_t mask;
	uint64_t *consumer_pos;
	const uint64_t *producer_pos;
	const uint8_t *data;
};

static size_t round_up8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int ringbuf_reader__new(int map_fd, ringbuf_fn fn, void *ctx,
			struct ringbuf_reader **ret)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	struct ringbuf_reader *r;
	struct epoll_event ev = {.events = EPOLLIN};
	void *p;
	int err;

	if (!fn || !ret)
		return -EINVAL;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	r->map_fd = map_fd;
	r->epfd = -1;
	r->page = sysconf(_SC_PAGESIZE);
	r->size = info.max_entries;
	r->mask = info.max_entries - 1;

	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto cleanup;
	}
	r->consumer_pos = p;
	p = mmap(NULL, r->page + 2 * r->size, PROT_READ, MAP_SHARED, map_fd,
		 r->page);
	if (p == MAP_FAILED) {
		err = -errno;
		goto cleanup;
	}
	r->producer_pos = p;
	r->data = (const uint8_t *)p + r->page;

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, map_fd, &ev)) {
		err = -errno;
		goto cleanup;
	}
	*ret = r;
	return 0;

cleanup:
	ringbuf_reader__free(r);
	return err;
}

int ringbuf_reader__poll(struct ringbuf_reader *r, int timeout_ms)
{
	struct epoll_event ev;
	int n = epoll_wait(r->epfd, &ev, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n > 0;
}

long ringbuf_reader__consume(struct ringbuf_reader *r)
{
	uint64_t cons = *r->consumer_pos, released = cons, fetched = cons;
	uint64_t prod;
	long n = 0;

	prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
	while (cons < prod) {
		const uint8_t *hdr = r->data + (cons & r->mask);
		uint32_t len = __atomic_load_n((const uint32_t *)hdr,
					       __ATOMIC_ACQUIRE);
		uint64_t ahead;

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		ahead = cons + PREFETCH_AHEAD < prod ? cons + PREFETCH_AHEAD
						     : prod;
		for (; fetched < ahead; fetched += LINE)
			__builtin_prefetch(r->data + (fetched & r->mask));
		cons += round_up8((len & ~BPF_RINGBUF_DISCARD_BIT) +
				  BPF_RINGBUF_HDR_SZ);
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			n++;
			if (r->fn(r->ctx, (void *)(hdr + BPF_RINGBUF_HDR_SZ),
				  len & ~BPF_RINGBUF_DISCARD_BIT))
				break;
		}
		if (cons - released >= RELEASE_STEP) {
			__atomic_store_n(r->consumer_pos, cons,
					 __ATOMIC_RELEASE);
			released = cons;
		}
		if (cons >= prod)
			prod = __atomic_load_n(r->producer_pos,
					       __ATOMIC_ACQUIRE);
	}
	if (cons != released)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return n;
}

void ringbuf_reader__free(struct ringbuf_reader *r)
{
	if (!r)
		return;
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page + 2 * r->size);
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page);
	free(r);
}
