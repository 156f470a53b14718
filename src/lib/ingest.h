/*
 * Work on many items spread over the cores and taken back in their order
 * (internal): the ingest of evidence files. `prepare` runs on worker threads
 * (any item, any thread, `worker` naming the thread: 0 .. jobs-1) and must
 * touch nothing shared but what is safe to share; `take` runs on the
 * caller's thread for item 0, 1, 2 ... in order. Items are prepared at most a
 * few per thread ahead of the one taken, so memory holds a bounded number of
 * slots whatever the count. The first `take` that fails stops the run (items
 * prepared but not taken go to `drop`); `prepare` reports failures inside
 * its slot, for `take` to raise in order.
 */
#ifndef SMSAUDIT_INGEST_H
#define SMSAUDIT_INGEST_H

#include <stddef.h>

typedef void (*ingest_prepare_fn)(void *ctx, size_t worker, size_t item, void *slot);
typedef int (*ingest_take_fn)(void *ctx, size_t item, void *slot);
typedef void (*ingest_drop_fn)(void *ctx, void *slot);

/* Worker threads to use: SMSAUDIT_JOBS when set (1 to 64; 1 means no threads
 * at all: each item is prepared and taken in turn on the caller's thread),
 * else the processors online, at most 8. */
size_t ingest_jobs(void);

/* The number of slots `slots` must hold for `jobs` workers. */
size_t ingest_slots(size_t jobs);

/* Run items 0 .. n-1; `slots` is ingest_slots(jobs) slots of `slot_size`
 * bytes each, reused from item to item. */
int ingest_run(size_t n, size_t jobs, void *slots, size_t slot_size, ingest_prepare_fn prepare,
               ingest_take_fn take, ingest_drop_fn drop, void *ctx);

#endif
