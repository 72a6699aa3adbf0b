/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The contract every protocol parser follows (HTTP/1 now; HTTP/2, PostgreSQL
 * and MySQL later).
 *
 * A parser owns per-direction state and is fed a struct stream. Each call to
 * its next() frames at most one message and returns:
 *
 *   PARSE_OK         a whole message is framed and consumed from the stream;
 *                    its first and last byte positions and times are filled.
 *   PARSE_NEED_MORE  nothing complete yet; call again after more data.
 *   PARSE_INVALID    the bytes at the head are not this protocol (garbage,
 *                    a hole in a header, a framing violation). The parser has
 *                    already resynchronised (moved the head to a plausible
 *                    message boundary or to the next segment) and counted it;
 *                    call again.
 *
 * Parsers never allocate from lengths on the wire, never trust a length
 * without bounding it, and never read outside the byte_view they were given.
 */
#ifndef __SPANTAP_PROTO_H
#define __SPANTAP_PROTO_H

enum parse_result {
	PARSE_OK = 0,
	PARSE_NEED_MORE = 1,
	PARSE_INVALID = 2,
};

/* Application protocol of a connection, as detected from its first bytes. */
enum proto_kind {
	PROTO_UNKNOWN = 0,
	PROTO_HTTP1 = 1,
	PROTO_OTHER = 255, /* not one we parse: its data is ignored */
};

#endif /* __SPANTAP_PROTO_H */
