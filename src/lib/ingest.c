/*
 * Many items over the cores, taken back in order (ingest.h). A ring of slots:
 * a worker claims the next item once its slot is free (the item a ring's
 * length before it was taken), prepares it and marks it ready; the caller's
 * thread waits for each item in turn and takes it. One lock guards the
 * counters; the slots themselves belong to one thread at a time (the worker
 * until it marks the item ready, then the taker), handed over under the lock.
 */
#include <errno.h>
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
	size_t n, nslots, slot_size;
	char *slots;
	size_t *ready;          /* per slot: the item ready in it, plus one (0: none) */
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
		while (!p->stop && p->next < p->n && p->next >= p->taken + p->nslots)
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

int ingest_run(size_t n, size_t jobs, void *slots, size_t slot_size, ingest_prepare_fn prepare,
               ingest_take_fn take, ingest_drop_fn drop, void *ctx)
{
	if (jobs <= 1 || n < 2) {
		int rc = 0;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			prepare(ctx, 0, i, slots);
			rc = take(ctx, i, slots);
		}
		return rc;
	}
	if (jobs > n)
		jobs = n;
	pool p;
	memset(&p, 0, sizeof(p));
	p.n = n;
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
	for (size_t i = 0; rc == 0 && i < n; i++) {
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
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	free(p.ready);
	free(th);
	free(args);
	return rc;
}
