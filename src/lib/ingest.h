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
/* Put item `item` into its free slot (the caller's thread, in order, a ring's
 * length at most ahead of the item taken): 0, 1 when there are no more items,
 * or an error that stops the run. A failure of the item itself belongs in the
 * slot, for `take` to raise in order. */
typedef int (*ingest_fetch_fn)(void *ctx, size_t item, void *slot);

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

/* The same for items whose number is not known in advance, each fetched into
 * its slot just before it is prepared (a stream: memory holds the ring, not
 * the items); `*count` receives the number fetched. */
int ingest_run_stream(size_t *count, size_t jobs, void *slots, size_t slot_size, ingest_fetch_fn fetch,
                      ingest_prepare_fn prepare, ingest_take_fn take, ingest_drop_fn drop, void *ctx);

#endif
