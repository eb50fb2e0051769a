/*
 * job.h -- one execution request (MODELEXECUTE, MODELRUN, SCRIPTEXECUTE, SCRIPTRUN): the job value.
 *
 * A job is built by the command handler on the main thread from a parsed command: it holds its
 * own references to the model or script, to the input tensors (resolved at command time, so later
 * writes to those keys do not affect it) and to the key names it will write. The queue
 * (queue.c) owns a job while it waits or runs; a worker's result or error is stored in it; the
 * caller's reply callback (cmd_execute.c) writes the outputs and replies; the blocked client's
 * free callback frees it. Everything here runs on the main thread.
 */
#ifndef AI_JOB_H
#define AI_JOB_H

#include <stddef.h>

#include "model.h"
#include "rmapi.h"
#include "script.h"
#include "stats.h"
#include "tensor.h"

typedef enum { AI_JOB_MODEL = 0, AI_JOB_SCRIPT = 1 } ai_job_kind;

typedef enum {
    AI_JOB_NEW = 0, /* built, not yet submitted */
    AI_JOB_QUEUED,  /* waiting in its device queue */
    AI_JOB_RUNNING, /* handed to a worker (part of a run) */
    AI_JOB_DONE,    /* result, error or timeout recorded; caller unblocked or gone */
} ai_job_state;

struct ai_queue;

typedef struct ai_job {
    unsigned long long id; /* process-wide unique, given by ai_job_new */
    ai_job_kind kind;
    AIModel *model;   /* retained; MODEL jobs */
    AIScript *script; /* retained; SCRIPT jobs */
    char *key;        /* Alloc'd copy of the model/script key name */
    size_t keylen;
    AIBackend backend; /* TORCH for scripts */
    const char *device; /* as stored; borrowed from the retained model/script */

    char *function; /* SCRIPT: Alloc'd function name; NULL for models */
    size_t function_len;
    int entry_point; /* SCRIPT: 1 when function is a declared entry point (new calling convention) */

    RedisModuleString **keys; /* SCRIPT KEYS, retained */
    size_t nkeys;
    RedisModuleString **args; /* SCRIPT ARGS, retained */
    size_t nargs;
    ai_tensor **inputs; /* retained */
    size_t ninputs;
    RedisModuleString **outputs; /* output key names, retained */
    size_t noutputs;

    /* Outcome, set once. */
    ai_tensor **results; /* nresults tensors, owned */
    size_t nresults;
    char *error; /* Alloc'd one-line error reply, or NULL */
    int timedout;
    long long duration_us;

    /* Queue bookkeeping (queue.c only). */
    ai_job_state state;
    RedisModuleBlockedClient *bc; /* the blocked caller; NULL once unblocked or disconnected */
    long long timeout_ms;         /* 0 = none */
    long long enqueued_ms;
    RedisModuleTimerID timer;
    int timer_set;
    int attempts; /* runs lost with their worker so far */
    struct ai_queue *queue;
    struct ai_job *prev, *next;           /* queue order */
    struct ai_job *live_prev, *live_next; /* jobs whose caller is still blocked */

    /* Internal jobs (ops of a DAG) have no blocked caller: on_done is called instead, on the main
     * thread, when the outcome is recorded, and takes ownership of the job. */
    void (*on_done)(RedisModuleCtx *ctx, struct ai_job *job);
    void *owner;
} ai_job;

/* A new, empty job of kind with a fresh id (Calloc'd). */
ai_job *ai_job_new(ai_job_kind kind);

/* Free a job and every reference it holds. NULL is a no-op. */
void ai_job_free(ai_job *job);

/* The AI.INFO entry of the model or script this job runs (NULL when it has none). */
AIStatsEntry *ai_job_stats(const ai_job *job);

/* Record an error (copied; '\r' and '\n' become spaces). Keeps the first one. */
void ai_job_set_error(ai_job *job, const char *msg, size_t len);

/* Record the results; the job takes ownership of the array and the tensors. */
void ai_job_set_results(ai_job *job, ai_tensor **results, size_t nresults);

/* Batch size contribution of a job: dim 0 shared by all its inputs, or -1 when its inputs do not
 * share a dim 0 (0-d input, or different dim 0), which makes it run alone. */
long long ai_job_batch_dim(const ai_job *job);

/* 1 when two jobs can share one batch: same model value, same input count, and every input with
 * the same dtype, rank and dims except dim 0. */
int ai_job_batch_compatible(const ai_job *a, const ai_job *b);

#endif /* AI_JOB_H */
