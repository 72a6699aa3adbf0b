// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The connection table's order: what eviction and expiry take first. */
#include "conn_table.h"
#include "test.h"

static uint64_t released[8];
static int nreleased;

static void on_release(struct conn *c, enum conn_release_reason why,
		       void *arg)
{
	if (nreleased < 8)
		released[nreleased] = c->id;
	nreleased++;
}

/*
 * A conn used since the last expiry pass goes after those used only
 * before it; within a pass, conns keep the order they were first used in.
 */
TEST(conn_table_order_by_pass)
{
	struct conn_table *t = conn_table__new(2, 0, on_release, NULL);

	ASSERT_TRUE(t);
	nreleased = 0;
	ASSERT_TRUE(conn_table__add(t, 1));
	ASSERT_TRUE(conn_table__add(t, 2));
	ASSERT_TRUE(conn_table__get(t, 1));
	ASSERT_TRUE(conn_table__add(t, 3)); /* same pass: 1 is oldest */
	ASSERT_EQ(nreleased, 1);
	ASSERT_EQ(released[0], 1);

	ASSERT_EQ(conn_table__expire(t, 1, UINT64_MAX / 2), 0);
	ASSERT_TRUE(conn_table__get(t, 2)); /* a new pass: 2 moves */
	ASSERT_TRUE(conn_table__add(t, 4));
	ASSERT_EQ(nreleased, 2);
	ASSERT_EQ(released[1], 3);
	ASSERT_EQ(conn_table__count(t), 2);
	conn_table__free(t);
	ASSERT_EQ(nreleased, 4);
}

/* Idle conns expire from the head; one used in this pass stays. */
TEST(conn_table_expires_idle)
{
	struct conn_table *t = conn_table__new(8, 0, on_release, NULL);
	struct conn *c;

	ASSERT_TRUE(t);
	nreleased = 0;
	c = conn_table__add(t, 1);
	c->last_seen = 100;
	c = conn_table__add(t, 2);
	c->last_seen = 100;
	ASSERT_EQ(conn_table__expire(t, 150, 100), 0);
	c = conn_table__get(t, 1);
	c->last_seen = 500;
	ASSERT_EQ(conn_table__expire(t, 550, 100), 1);
	ASSERT_EQ(released[0], 2);
	ASSERT_EQ(conn_table__count(t), 1);
	conn_table__free(t);
}
