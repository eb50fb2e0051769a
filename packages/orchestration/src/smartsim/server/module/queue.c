/*
 * queue.c -- per-device job queues, the worker registry, hand-off to workers, batching, timeouts
 * and failure handling. See queue.h for the model and docs/worker-protocol.md for the wire side.
 *
 * Everything here runs on the server's main thread (command handlers, blocked-client callbacks,
 * timers, server events), so no locks are needed.
 *
 * Blocked clients follow one rule: UnblockClient is called exactly once per blocked client, by
 * whoever removes it from our tables first (hand-off, timeout, disconnect). A blocked client that
 * is in no table is already unblocked and is never touched again.
 */
#include "queue.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

/* ===== Internal data structures ===== */

typedef struct ai_queue {
    char *name;            /* upper-cased device string */
    ai_job *head, *tail;   /* waiting jobs, oldest first */
    long long pending;     /* parked workers woken whose reply callback has not run yet */
    struct ai_queue *next;
} ai_queue;

/* A worker blocked in AI._WORKER.NEXT. */
typedef struct ai_parked {
    RedisModuleBlockedClient *bc;
    unsigned long long client_id;
    ai_queue *queue;
    struct ai_parked *prev, *next;
} ai_parked;

/* Private data of a woken AI._WORKER.NEXT: its reply callback takes the work itself. */
typedef struct ai_wake {
    unsigned long long client_id;
    ai_queue *queue;
    int replied;
} ai_wake;

static ai_queue *ai_queues = NULL;
static ai_worker *ai_workers = NULL;
static ai_parked *ai_parked_head = NULL, *ai_parked_tail = NULL;
static ai_job *ai_live = NULL; /* jobs whose caller is blocked */
static unsigned long long ai_run_next_id = 1;
static int ai_events_subscribed = 0;

static void ai_dispatch(ai_queue *q);
static void ai_worker_next_disconnected(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc);

/* ===== Queues ===== */

static int ai_device_eq(const char *uc, const char *dev, size_t len) {
    if (strlen(uc) != len) return 0;
    for (size_t i = 0; i < len; i++)
        if (uc[i] != toupper((unsigned char)dev[i])) return 0;
    return 1;
}

static ai_queue *ai_queue_lookup(const char *device, size_t len, int create) {
    ai_queue *q;
    for (q = ai_queues; q != NULL; q = q->next)
        if (ai_device_eq(q->name, device, len)) return q;
    if (!create) return NULL;
    q = RedisModule_Calloc(1, sizeof(*q));
    q->name = RedisModule_Alloc(len + 1);
    for (size_t i = 0; i < len; i++) q->name[i] = (char)toupper((unsigned char)device[i]);
    q->name[len] = '\0';
    q->next = ai_queues;
    ai_queues = q;
    return q;
}

static void ai_queue_push_back(ai_queue *q, ai_job *job) {
    job->queue = q;
    job->next = NULL;
    job->prev = q->tail;
    if (q->tail != NULL)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    job->state = AI_JOB_QUEUED;
}

static void ai_queue_push_front(ai_queue *q, ai_job *job) {
    job->queue = q;
    job->prev = NULL;
    job->next = q->head;
    if (q->head != NULL)
        q->head->prev = job;
    else
        q->tail = job;
    q->head = job;
    job->state = AI_JOB_QUEUED;
}

static void ai_queue_unlink(ai_job *job) {
    ai_queue *q = job->queue;
    if (job->prev != NULL)
        job->prev->next = job->next;
    else
        q->head = job->next;
    if (job->next != NULL)
        job->next->prev = job->prev;
    else
        q->tail = job->prev;
    job->prev = job->next = NULL;
}

/* ===== Live jobs (caller still blocked) ===== */

static void ai_live_add(ai_job *job) {
    job->live_prev = NULL;
    job->live_next = ai_live;
    if (ai_live != NULL) ai_live->live_prev = job;
    ai_live = job;
}

static void ai_live_remove(ai_job *job) {
    if (job->live_prev != NULL)
        job->live_prev->live_next = job->live_next;
    else if (ai_live == job)
        ai_live = job->live_next;
    if (job->live_next != NULL) job->live_next->live_prev = job->live_prev;
    job->live_prev = job->live_next = NULL;
}

static void ai_job_stop_timer(RedisModuleCtx *ctx, ai_job *job) {
    if (!job->timer_set) return;
    RedisModule_StopTimer(ctx, job->timer, NULL);
    job->timer_set = 0;
}

/* ===== Workers ===== */

ai_worker *ai_worker_find(unsigned long long client_id) {
    for (ai_worker *w = ai_workers; w != NULL; w = w->next)
        if (w->client_id == client_id) return w;
    return NULL;
}

static int ai_queue_served(const ai_queue *q, AIBackend backend) {
    for (ai_worker *w = ai_workers; w != NULL; w = w->next)
        if (w->queue == q && (w->backends & (1u << backend))) return 1;
    return 0;
}

int ai_queue_has_worker(const char *device, AIBackend backend) {
    ai_queue *q = ai_queue_lookup(device, strlen(device), 0);
    return q != NULL && ai_queue_served(q, backend);
}

static void ai_format_no_worker(char *buf, size_t len, const char *device, AIBackend backend, int lost) {
    char dev[64];
    size_t n = strlen(device);
    if (n >= sizeof(dev)) n = sizeof(dev) - 1;
    for (size_t i = 0; i < n; i++) dev[i] = (char)toupper((unsigned char)device[i]);
    dev[n] = '\0';
    snprintf(buf, len, lost ? AI_ERR_WORKER_LOST_NO_WORKER_FMT : AI_ERR_NO_WORKER_FMT, ai_backend_name(backend), dev);
}

void ai_queue_no_worker_text(char *buf, size_t len, const char *device, AIBackend backend) {
    ai_format_no_worker(buf, len, device, backend, 0);
}

int ai_queue_reply_no_worker(RedisModuleCtx *ctx, const char *device, AIBackend backend) {
    char msg[200];
    ai_format_no_worker(msg, sizeof(msg), device, backend, 0);
    return RedisModule_ReplyWithError(ctx, msg);
}

void ai_run_free(ai_run *run) {
    if (run == NULL) return;
    RedisModule_Free(run->jobs);
    RedisModule_Free(run);
}

ai_run *ai_worker_find_run(ai_worker *w, unsigned long long run_id) {
    for (ai_run *r = w->runs; r != NULL; r = r->next)
        if (r->id == run_id) return r;
    return NULL;
}

void ai_worker_detach_run(ai_worker *w, ai_run *run) {
    for (ai_run **pp = &w->runs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == run) {
            *pp = run->next;
            run->next = NULL;
            return;
        }
    }
}

/* Fail every waiting job of q that no remaining worker can serve (never leave a caller hanging). */
static void ai_queue_fail_unserved(RedisModuleCtx *ctx, ai_queue *q) {
    ai_job *job = q->head;
    while (job != NULL) {
        ai_job *next = job->next;
        if (!ai_queue_served(q, job->backend)) {
            char msg[200];
            ai_queue_unlink(job);
            ai_job_stop_timer(ctx, job);
            ai_format_no_worker(msg, sizeof(msg), q->name, job->backend, job->attempts > 0);
            ai_job_set_error(job, msg, strlen(msg));
            ai_queue_finish(ctx, job);
        }
        job = next;
    }
}

/*
 * Client-change event callback. Called by the server on the main thread when any client connects
 * or disconnects; data is a RedisModuleClientInfo owned by the server. On the disconnect of a
 * registered worker: its runs go back to the front of their queue (first loss) or fail (second
 * loss); jobs whose caller is gone are freed; waiting jobs that nobody serves any more fail.
 * A parked AI._WORKER.NEXT of that connection is released by its own disconnect callback.
 */
static void ai_on_client_change(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t subevent, void *data) {
    const RedisModuleClientInfo *ci = data;
    ai_worker *w, **pp;
    ai_queue *q;

    if (eid.id != REDISMODULE_EVENT_CLIENT_CHANGE || subevent != REDISMODULE_SUBEVENT_CLIENT_CHANGE_DISCONNECTED)
        return;
    for (pp = &ai_workers; *pp != NULL && (*pp)->client_id != ci->id; pp = &(*pp)->next) {
    }
    if ((w = *pp) == NULL) return;
    *pp = w->next;
    q = w->queue;

    RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_NOTICE, "AI worker %llu (%s) disconnected with %s", w->client_id,
                    q->name, w->runs ? "jobs in flight" : "no job in flight");
    while (w->runs != NULL) {
        ai_run *run = w->runs;
        w->runs = run->next;
        /* Put back in reverse so the run's jobs keep their order at the front of the queue. */
        for (size_t i = run->njobs; i-- > 0;) {
            ai_job *job = run->jobs[i];
            if (job->bc == NULL && job->on_done == NULL) {
                ai_job_free(job);
            } else if (job->attempts >= 1) {
                ai_job_set_error(job, AI_ERR_WORKER_LOST, strlen(AI_ERR_WORKER_LOST));
                ai_stats_entry_record(ai_job_stats(job), 0, 0, 1);
                ai_queue_finish(ctx, job);
            } else {
                job->attempts++;
                ai_queue_push_front(q, job);
            }
        }
        ai_run_free(run);
    }
    RedisModule_Free(w);
    ai_queue_fail_unserved(ctx, q);
    ai_dispatch(q);
}

void ai_worker_register(RedisModuleCtx *ctx, unsigned long long client_id, const char *device, size_t devlen,
                        unsigned backends) {
    ai_worker *w = ai_worker_find(client_id);
    ai_queue *old = NULL;

    if (!ai_events_subscribed) {
        RedisModuleEvent ev = {REDISMODULE_EVENT_CLIENT_CHANGE, 1};
        if (RedisModule_SubscribeToServerEvent(ctx, ev, ai_on_client_change) == REDISMODULE_OK)
            ai_events_subscribed = 1;
    }
    if (w == NULL) {
        w = RedisModule_Calloc(1, sizeof(*w));
        w->client_id = client_id;
        w->next = ai_workers;
        ai_workers = w;
    } else {
        old = w->queue;
    }
    w->queue = ai_queue_lookup(device, devlen, 1);
    w->backends = backends;
    /* A NEXT parked before a re-registration now waits for the new device. */
    for (ai_parked *p = ai_parked_head; p != NULL; p = p->next)
        if (p->client_id == client_id) p->queue = w->queue;
    if (old != NULL && old != w->queue) ai_queue_fail_unserved(ctx, old);
    ai_dispatch(w->queue);
}

void ai_worker_reply_list(RedisModuleCtx *ctx) {
    long n = 0;
    for (ai_worker *w = ai_workers; w != NULL; w = w->next) n++;
    RedisModule_ReplyWithArray(ctx, n);
    for (ai_worker *w = ai_workers; w != NULL; w = w->next) {
        long nb = 0, nruns = 0;
        for (int b = 0; b < 32; b++)
            if (w->backends & (1u << b)) nb++;
        for (ai_run *r = w->runs; r != NULL; r = r->next) nruns++;
        RedisModule_ReplyWithArray(ctx, 4);
        RedisModule_ReplyWithLongLong(ctx, (long long)w->client_id);
        RedisModule_ReplyWithCString(ctx, w->queue->name);
        RedisModule_ReplyWithArray(ctx, nb);
        for (int b = 0; b < 32; b++)
            if (w->backends & (1u << b)) RedisModule_ReplyWithCString(ctx, ai_backend_name((AIBackend)b));
        RedisModule_ReplyWithLongLong(ctx, nruns);
    }
}

/* ===== Batching ===== */

/* The batch that starts at job j (j plus compatible jobs after it), as far as the model's batch
 * size asks. Returns the number of jobs written to out (at least 1) and sets *ready to 0 when
 * MINBATCHSIZE holds the batch back. out may be NULL to only count. */
static size_t ai_batch_collect(ai_job *j, ai_job **out, long long now, int *ready) {
    long long bs, minbs, mbt, total, d;
    size_t n = 1;

    *ready = 1;
    if (out != NULL) out[0] = j;
    if (j->kind != AI_JOB_MODEL || (bs = ai_model_batchsize(j->model)) <= 0) return 1;
    if ((total = ai_job_batch_dim(j)) < 0) return 1;
    for (ai_job *k = j->next; k != NULL && total < bs; k = k->next) {
        if (!ai_job_batch_compatible(j, k)) continue;
        d = ai_job_batch_dim(k);
        if (out != NULL) out[n] = k;
        n++;
        total += d;
    }
    minbs = ai_model_minbatchsize(j->model);
    mbt = ai_model_minbatchtimeout(j->model);
    if (minbs > 0 && total < minbs && !(mbt > 0 && now - j->enqueued_ms >= mbt)) *ready = 0;
    return n;
}

/* Number of waiting jobs of q that a worker serving backends could take now (an upper bound). */
static long long ai_queue_ready_count(ai_queue *q, unsigned backends) {
    long long now = RedisModule_Milliseconds(), n = 0;
    for (ai_job *j = q->head; j != NULL; j = j->next) {
        int ready;
        if (!(backends & (1u << j->backend))) continue;
        ai_batch_collect(j, NULL, now, &ready);
        if (ready) n++;
    }
    return n;
}

ai_run *ai_queue_take(RedisModuleCtx *ctx, ai_worker *w) {
    ai_queue *q = w->queue;
    long long now = RedisModule_Milliseconds();

    for (ai_job *j = q->head; j != NULL; j = j->next) {
        int ready;
        size_t n;
        ai_run *run;

        if (!(w->backends & (1u << j->backend))) continue;
        n = ai_batch_collect(j, NULL, now, &ready);
        if (!ready) continue;
        run = RedisModule_Calloc(1, sizeof(*run));
        run->id = ai_run_next_id++;
        run->worker_id = w->client_id;
        run->jobs = RedisModule_Calloc(n, sizeof(*run->jobs));
        run->njobs = ai_batch_collect(j, run->jobs, now, &ready);
        for (size_t i = 0; i < run->njobs; i++) {
            ai_job *job = run->jobs[i];
            ai_queue_unlink(job);
            ai_job_stop_timer(ctx, job);
            job->state = AI_JOB_RUNNING;
        }
        run->next = w->runs;
        w->runs = run;
        return run;
    }
    return NULL;
}

/* ===== Parked workers and wake-ups ===== */

void ai_queue_park(RedisModuleBlockedClient *bc, ai_worker *w) {
    ai_parked *p = RedisModule_Calloc(1, sizeof(*p));
    p->bc = bc;
    p->client_id = w->client_id;
    p->queue = w->queue;
    RedisModule_SetDisconnectCallback(bc, ai_worker_next_disconnected);
    p->prev = ai_parked_tail;
    if (ai_parked_tail != NULL)
        ai_parked_tail->next = p;
    else
        ai_parked_head = p;
    ai_parked_tail = p;
}

static void ai_parked_unlink(ai_parked *p) {
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        ai_parked_head = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else
        ai_parked_tail = p->prev;
}

/* Remove the parked entry of bc; returns 1 if it was parked (the caller must unblock it). */
static int ai_unpark(RedisModuleBlockedClient *bc) {
    for (ai_parked *p = ai_parked_head; p != NULL; p = p->next) {
        if (p->bc == bc) {
            ai_parked_unlink(p);
            RedisModule_Free(p);
            return 1;
        }
    }
    return 0;
}

/* Wake parked workers of q while the queue holds more ready work than workers already woken. The
 * woken worker's reply callback takes the work itself, so waking too many only costs a nil reply;
 * every reply callback dispatches again, so work is never left behind. */
static void ai_dispatch(ai_queue *q) {
    ai_parked *p = ai_parked_head;
    while (p != NULL) {
        ai_parked *next = p->next;
        ai_worker *w;
        if (p->queue == q && (w = ai_worker_find(p->client_id)) != NULL && w->queue == q &&
            ai_queue_ready_count(q, w->backends) > q->pending) {
            ai_wake *wake = RedisModule_Calloc(1, sizeof(*wake));
            RedisModuleBlockedClient *bc = p->bc;
            wake->client_id = p->client_id;
            wake->queue = q;
            ai_parked_unlink(p);
            RedisModule_Free(p);
            q->pending++;
            RedisModule_UnblockClient(bc, wake);
        }
        p = next;
    }
}

/*
 * Reply callback of AI._WORKER.NEXT. Called by the server on the main thread, with the worker's
 * context, after ai_dispatch unblocked it (privdata: an ai_wake, freed by ai_worker_next_free).
 * Takes a run if one is still there, else replies nil; the worker then simply asks again.
 */
int ai_worker_next_reply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_wake *wake = RedisModule_GetBlockedClientPrivateData(ctx);
    ai_worker *w;
    ai_run *run = NULL;

    if (wake == NULL) return RedisModule_ReplyWithNull(ctx);
    wake->replied = 1;
    wake->queue->pending--;
    if ((w = ai_worker_find(wake->client_id)) != NULL) run = ai_queue_take(ctx, w);
    if (run != NULL)
        ai_worker_reply_run(ctx, run);
    else
        RedisModule_ReplyWithNull(ctx);
    ai_dispatch(wake->queue);
    return REDISMODULE_OK;
}

/*
 * Timeout callback of AI._WORKER.NEXT. Called by the server on the main thread when the worker's
 * wait ran out: replies nil and unblocks the parked entry (the server frees the blocked client
 * only after UnblockClient).
 */
int ai_worker_next_timeout(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleBlockedClient *bc = RedisModule_GetBlockedClientHandle(ctx);
    if (bc != NULL && ai_unpark(bc)) RedisModule_UnblockClient(bc, NULL);
    return RedisModule_ReplyWithNull(ctx);
}

/*
 * Disconnect callback of a parked AI._WORKER.NEXT. Called by the server on the main thread when
 * the worker's connection closes while it waits; a still-parked entry is removed and unblocked.
 */
static void ai_worker_next_disconnected(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc) {
    if (ai_unpark(bc)) RedisModule_UnblockClient(bc, NULL);
}

/*
 * Free callback of AI._WORKER.NEXT's private data. Called by the server on the main thread after
 * the reply callback, or instead of it when the worker vanished after being woken: then the wake
 * is given back and the queue dispatched again so the work goes to another worker.
 */
void ai_worker_next_free(RedisModuleCtx *ctx, void *privdata) {
    ai_wake *wake = privdata;
    if (wake == NULL) return;
    if (!wake->replied) {
        wake->queue->pending--;
        ai_dispatch(wake->queue);
    }
    RedisModule_Free(wake);
}

/* ===== Caller side ===== */

/*
 * Timer callback of a job's TIMEOUT. Called by the server on the main thread when the job has
 * waited TIMEOUT ms; data is the job, which is alive: its timer is stopped whenever it leaves the
 * queue or is freed. A job still waiting ends with TIMEDOUT; a running one is never interrupted.
 */
static void ai_job_timeout(RedisModuleCtx *ctx, void *data) {
    ai_job *job = data;
    job->timer_set = 0;
    if (job->state != AI_JOB_QUEUED) return;
    ai_queue_unlink(job);
    job->timedout = 1;
    ai_queue_finish(ctx, job);
}

/* Timer callback of MINBATCHTIMEOUT: data is the queue (queues live as long as the server). */
static void ai_minbatch_timeout(RedisModuleCtx *ctx, void *data) {
    ai_dispatch(data);
}

/*
 * Disconnect callback of a blocked caller. Called by the server on the main thread when the
 * caller's connection closes. A waiting job is dropped at once; a running one stays with its
 * worker, and its result is discarded when it comes. A caller already unblocked is not in the
 * live list and is left alone.
 */
static void ai_caller_disconnected(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc) {
    ai_job *job;
    for (job = ai_live; job != NULL && job->bc != bc; job = job->live_next) {
    }
    if (job == NULL) return;
    ai_live_remove(job);
    job->bc = NULL;
    RedisModule_UnblockClient(bc, NULL);
    if (job->state == AI_JOB_QUEUED) {
        ai_queue_unlink(job);
        ai_job_stop_timer(ctx, job);
        job->state = AI_JOB_DONE;
        ai_job_free(job);
    }
}

void ai_queue_submit_internal(RedisModuleCtx *ctx, ai_job *job) {
    ai_queue *q = ai_queue_lookup(job->device, strlen(job->device), 1);

    job->enqueued_ms = RedisModule_Milliseconds();
    ai_queue_push_back(q, job);
    if (job->timeout_ms > 0) {
        job->timer = RedisModule_CreateTimer(ctx, job->timeout_ms, ai_job_timeout, job);
        job->timer_set = 1;
    }
    if (job->kind == AI_JOB_MODEL && ai_model_batchsize(job->model) > 0 && ai_model_minbatchsize(job->model) > 0 &&
        ai_model_minbatchtimeout(job->model) > 0)
        RedisModule_CreateTimer(ctx, ai_model_minbatchtimeout(job->model), ai_minbatch_timeout, q);
    ai_dispatch(q);
}

void ai_queue_submit(RedisModuleCtx *ctx, ai_job *job, RedisModuleBlockedClient *bc) {
    job->bc = bc;
    RedisModule_SetDisconnectCallback(bc, ai_caller_disconnected);
    /* SLOWLOG and commandstats then include the time spent blocked (Redis >= 6.2). */
    if (RedisModule_BlockedClientMeasureTimeStart != NULL) RedisModule_BlockedClientMeasureTimeStart(bc);
    ai_live_add(job);
    ai_queue_submit_internal(ctx, job);
}

void ai_queue_finish(RedisModuleCtx *ctx, ai_job *job) {
    RedisModuleBlockedClient *bc = job->bc;

    ai_job_stop_timer(ctx, job);
    job->state = AI_JOB_DONE;
    if (job->on_done != NULL) {
        job->on_done(ctx, job);
        return;
    }
    if (bc == NULL) {
        ai_job_free(job);
        return;
    }
    ai_live_remove(job);
    job->bc = NULL;
    if (RedisModule_BlockedClientMeasureTimeEnd != NULL) RedisModule_BlockedClientMeasureTimeEnd(bc);
    RedisModule_UnblockClient(bc, job);
}
