/*
 * queue.h -- per-device job queues, the worker registry, hand-off to workers, batching.
 *
 * Nothing here lives in the keyspace. There is one queue per device string, upper-cased ("CPU",
 * "GPU:1"), created on first use and kept for the life of the server. Workers are ordinary client
 * connections that registered with AI._WORKER.HELLO <device> <backend>...; a registration lasts
 * until the connection closes (noticed through the client-change server event). A worker asks for
 * work with AI._WORKER.NEXT: it receives a *run* -- one job, or a batch of jobs of the same model
 * -- and reports it with AI._WORKER.DONE <run id>.
 *
 * Life of a job: cmd_execute.c blocks the caller and calls ai_queue_submit(); the job waits in its
 * queue until a worker takes it (TIMEOUT, caller disconnect and "no worker" end it early); a
 * worker's DONE records the outcome and ai_queue_finish() unblocks the caller, whose reply
 * callback writes the outputs. A worker lost mid-run puts its jobs back at the front of the queue
 * once; a second loss fails them. All functions run on the main thread.
 */
#ifndef AI_QUEUE_H
#define AI_QUEUE_H

#include <stddef.h>

#include "job.h"
#include "rmapi.h"

/* Error replies of the execution path (documented in docs/worker-protocol.md). */
#define AI_ERR_NO_WORKER_FMT "ERR no worker serves backend %s on device %s"
#define AI_ERR_WORKER_LOST "ERR worker lost: the worker running this request disconnected (tried twice)"
#define AI_ERR_WORKER_LOST_NO_WORKER_FMT                                                                             \
    "ERR worker lost: the worker running this request disconnected and no worker serves backend %s on device %s"

/* A unit of work handed to one worker: one job, or several jobs of one model (a batch). */
typedef struct ai_run {
    unsigned long long id;
    unsigned long long worker_id; /* client id of the worker that holds it */
    ai_job **jobs;
    size_t njobs;
    struct ai_run *next; /* in its worker's list */
} ai_run;

/* A registered worker connection. */
typedef struct ai_worker {
    unsigned long long client_id;
    struct ai_queue *queue;
    unsigned backends; /* bit (1 << AIBackend) per backend served */
    ai_run *runs;      /* runs handed out and not yet reported */
    struct ai_worker *next;
} ai_worker;

/* ===== Caller side ===== */

/* 1 when a registered worker serves backend on device (case-insensitive). */
int ai_queue_has_worker(const char *device, AIBackend backend);

/* The "no worker" error text for backend/device, into buf. */
void ai_queue_no_worker_text(char *buf, size_t len, const char *device, AIBackend backend);

/* Reply the "no worker" error for backend/device to ctx. */
int ai_queue_reply_no_worker(RedisModuleCtx *ctx, const char *device, AIBackend backend);

/*
 * Put a job whose caller is blocked as bc on its device queue (the job is owned by the queue
 * from now on) and wake a worker. Sets the disconnect callback of bc and, with a TIMEOUT, a
 * timer. The job ends with ai_queue_finish().
 */
void ai_queue_submit(RedisModuleCtx *ctx, ai_job *job, RedisModuleBlockedClient *bc);

/* Queue an internal job (job->on_done set, no blocked caller), e.g. one op of a DAG. */
void ai_queue_submit_internal(RedisModuleCtx *ctx, ai_job *job);

/*
 * The job's outcome is recorded: an internal job goes to its on_done callback; otherwise unblock
 * its caller with the job as private data (the caller's reply callback replies, its free callback
 * frees the job), or free the job at once when the caller is gone.
 */
void ai_queue_finish(RedisModuleCtx *ctx, ai_job *job);

/* ===== Worker side ===== */

/* Register (or re-register) the connection client_id as a worker of device for backends. */
void ai_worker_register(RedisModuleCtx *ctx, unsigned long long client_id, const char *device, size_t devlen,
                        unsigned backends);
ai_worker *ai_worker_find(unsigned long long client_id);

/* Take the next run for worker w (or NULL): removes its jobs from the queue, marks them running
 * and records the run with w. */
ai_run *ai_queue_take(RedisModuleCtx *ctx, ai_worker *w);

/* Park a worker's blocked AI._WORKER.NEXT until work for it may exist (sets its disconnect
 * callback). */
void ai_queue_park(RedisModuleBlockedClient *bc, ai_worker *w);

/* Run id of worker client_id: the run (still held by the worker), or NULL. */
ai_run *ai_worker_find_run(ai_worker *w, unsigned long long run_id);
/* Detach a run from its worker (on DONE). The caller finishes its jobs and frees it. */
void ai_worker_detach_run(ai_worker *w, ai_run *run);
void ai_run_free(ai_run *run);

/* Reply the registry (AI._WORKER.LIST). */
void ai_worker_reply_list(RedisModuleCtx *ctx);

/* Blocked-client callbacks of AI._WORKER.NEXT (see queue.c for their contracts). */
int ai_worker_next_reply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int ai_worker_next_timeout(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
void ai_worker_next_free(RedisModuleCtx *ctx, void *privdata);

/* Reply one run to a worker (cmd_worker.c); used by NEXT and its reply callback. */
void ai_worker_reply_run(RedisModuleCtx *ctx, const ai_run *run);

#endif /* AI_QUEUE_H */
