/*
 * Many items over the cores, taken back in order (ingest.h). A ring of slots:
 * a worker claims the next item once its slot is free (the item a ring's
 * length before it was taken), prepares it and marks it ready; the caller's
 * thread waits for each item in turn and takes it. One lock guards the
 * counters; the slots themselves belong to one thread at a time (the worker
 * until it marks the item ready, then the taker), handed over under the lock.
 */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "internal.h"

#define MAX_JOBS 64
#define SLOTS_PER_JOB 4

size_t ingest_jobs(void)
{
	const char *e = getenv("SMSAUDIT_JOBS");
	if (e && *e) {
		char *end;
		errno = 0;
		long v = strtol(e, &end, 10);
		if (!*end && errno == 0 && v >= 1)
			return v > MAX_JOBS ? MAX_JOBS : (size_t)v;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 1 ? (size_t)(cores > 8 ? 8 : cores) : 1;
}

size_t ingest_slots(size_t jobs)
{
	return jobs <= 1 ? 1 : jobs * SLOTS_PER_JOB;
}

typedef struct {
	size_t n;               /* items in all: SIZE_MAX until the stream ends */
	size_t nslots, slot_size;
	char *slots;
	size_t *ready;          /* per slot: the item ready in it, plus one (0: none) */
	size_t fetched;         /* items in their slots, ready to be claimed */
	size_t next;            /* the next item to claim */
	size_t taken;           /* items taken so far */
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ingest_prepare_fn prepare;
	void *ctx;
} pool;

typedef struct {
	pool *p;
	size_t id;
} worker_arg;

static void *worker_main(void *arg)
{
	worker_arg *a = arg;
	pool *p = a->p;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->next < p->n && (p->next >= p->fetched || p->next >= p->taken + p->nslots))
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->next >= p->n)
			break;
		size_t item = p->next++;
		pthread_mutex_unlock(&p->mu);
		void *slot = p->slots + (item % p->nslots) * p->slot_size;
		p->prepare(p->ctx, a->id, item, slot);
		pthread_mutex_lock(&p->mu);
		p->ready[item % p->nslots] = item + 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Fetch items into the slots free ahead of the one to take next (the
 * caller's thread; a slot is free once the item a ring before was taken,
 * and no worker looks at an item before it is counted as fetched). */
static int feed(pool *p, ingest_fetch_fn fetch)
{
	while (p->n == SIZE_MAX && p->fetched < p->taken + p->nslots) {
		size_t item = p->fetched;
		int r = fetch(p->ctx, item, p->slots + (item % p->nslots) * p->slot_size);
		if (r < 0)
			return r;
		pthread_mutex_lock(&p->mu);
		if (r > 0)
			p->n = item;
		else
			p->fetched = item + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return 0;
}

/* A stream on the caller's thread alone: each item fetched, prepared and
 * taken in turn in the one slot. */
static int run_alone(size_t *count, size_t n, void *slot, ingest_fetch_fn fetch, ingest_prepare_fn prepare,
                     ingest_take_fn take, void *ctx)
{
	int rc = 0;
	size_t i = 0;
	for (; rc == 0 && i < n; i++) {
		if (fetch && (rc = fetch(ctx, i, slot)) != 0)
			break;
		prepare(ctx, 0, i, slot);
		rc = take(ctx, i, slot);
	}
	*count = i;
	return rc < 0 ? rc : 0;
}

static int run(size_t *count, size_t n, size_t jobs, void *slots, size_t slot_size, ingest_fetch_fn fetch,
               ingest_prepare_fn prepare, ingest_take_fn take, ingest_drop_fn drop, void *ctx)
{
	*count = 0;
	if (jobs <= 1 || n < 2)
		return run_alone(count, n, slots, fetch, prepare, take, ctx);
	if (jobs > n)
		jobs = n;
	pool p;
	memset(&p, 0, sizeof(p));
	p.n = n;
	p.fetched = fetch ? 0 : n;
	p.nslots = ingest_slots(jobs);
	p.slot_size = slot_size;
	p.slots = slots;
	p.prepare = prepare;
	p.ctx = ctx;
	p.ready = calloc(p.nslots, sizeof(*p.ready));
	pthread_t *th = calloc(jobs, sizeof(*th));
	worker_arg *args = calloc(jobs, sizeof(*args));
	if (!p.ready || !th || !args) {
		free(p.ready);
		free(th);
		free(args);
		return error_oom();
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	size_t started = 0;
	for (; started < jobs; started++) {
		args[started].p = &p;
		args[started].id = started;
		if (pthread_create(&th[started], NULL, worker_main, &args[started]) != 0)
			break;
	}
	int rc = 0;
	if (started == 0) {
		rc = error_set(SMSAUDIT_ERROR, "cannot start a thread");
	}
	for (size_t i = 0; rc == 0; i++) {
		if (fetch && (rc = feed(&p, fetch)) < 0)
			break;
		if (i >= p.n)
			break;
		size_t k = i % p.nslots;
		pthread_mutex_lock(&p.mu);
		while (p.ready[k] != i + 1)
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		rc = take(ctx, i, p.slots + k * slot_size);
		pthread_mutex_lock(&p.mu);
		p.ready[k] = 0;
		p.taken = i + 1;
		if (rc < 0)
			p.stop = 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
	}
	if (rc < 0) {
		pthread_mutex_lock(&p.mu);
		p.stop = 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
	}
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	/* Items prepared but never taken (after a failure). */
	for (size_t k = 0; k < p.nslots; k++)
		if (p.ready[k] && drop)
			drop(ctx, p.slots + k * slot_size);
	*count = p.fetched;
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	free(p.ready);
	free(th);
	free(args);
	return rc;
}

int ingest_run(size_t n, size_t jobs, void *slots, size_t slot_size, ingest_prepare_fn prepare,
               ingest_take_fn take, ingest_drop_fn drop, void *ctx)
{
	size_t count;
	return run(&count, n, jobs, slots, slot_size, NULL, prepare, take, drop, ctx);
}

int ingest_run_stream(size_t *count, size_t jobs, void *slots, size_t slot_size, ingest_fetch_fn fetch,
                      ingest_prepare_fn prepare, ingest_take_fn take, ingest_drop_fn drop, void *ctx)
{
	return run(count, SIZE_MAX, jobs, slots, slot_size, fetch, prepare, take, drop, ctx);
}
