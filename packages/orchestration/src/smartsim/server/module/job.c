/*
 * job.c -- the execution job value: construction, outcome and release.
 *
 * Pure structure code: no context, no replies. See job.h for ownership.
 */
#include "job.h"

#include <string.h>

static unsigned long long ai_job_next_id = 1;

/* ===== Life cycle ===== */

ai_job *ai_job_new(ai_job_kind kind) {
    ai_job *job = RedisModule_Calloc(1, sizeof(*job));
    job->id = ai_job_next_id++;
    job->kind = kind;
    job->state = AI_JOB_NEW;
    return job;
}

static void ai_job_free_strings(RedisModuleString **v, size_t n) {
    if (v == NULL) return;
    for (size_t i = 0; i < n; i++)
        if (v[i] != NULL) RedisModule_FreeString(NULL, v[i]);
    RedisModule_Free(v);
}

static void ai_job_free_tensors(ai_tensor **v, size_t n) {
    if (v == NULL) return;
    for (size_t i = 0; i < n; i++) ai_tensor_release(v[i]);
    RedisModule_Free(v);
}

AIStatsEntry *ai_job_stats(const ai_job *job) {
    if (job->kind == AI_JOB_MODEL) return job->model != NULL ? ai_model_stats(job->model) : NULL;
    return job->script != NULL ? ai_script_stats(job->script) : NULL;
}

void ai_job_free(ai_job *job) {
    if (job == NULL) return;
    if (job->model != NULL) ai_model_release(job->model);
    if (job->script != NULL) ai_script_release(job->script);
    if (job->key != NULL) RedisModule_Free(job->key);
    if (job->function != NULL) RedisModule_Free(job->function);
    ai_job_free_strings(job->keys, job->nkeys);
    ai_job_free_strings(job->args, job->nargs);
    ai_job_free_strings(job->outputs, job->noutputs);
    ai_job_free_tensors(job->inputs, job->ninputs);
    ai_job_free_tensors(job->results, job->nresults);
    if (job->error != NULL) RedisModule_Free(job->error);
    RedisModule_Free(job);
}

/* ===== Outcome ===== */

void ai_job_set_error(ai_job *job, const char *msg, size_t len) {
    if (job->error != NULL) return;
    job->error = RedisModule_Alloc(len + 1);
    for (size_t i = 0; i < len; i++) job->error[i] = (msg[i] == '\r' || msg[i] == '\n') ? ' ' : msg[i];
    job->error[len] = '\0';
}

void ai_job_set_results(ai_job *job, ai_tensor **results, size_t nresults) {
    ai_job_free_tensors(job->results, job->nresults);
    job->results = results;
    job->nresults = nresults;
}

/* ===== Batching rules ===== */

long long ai_job_batch_dim(const ai_job *job) {
    long long d0 = -1;
    if (job->ninputs == 0) return -1;
    for (size_t i = 0; i < job->ninputs; i++) {
        const ai_tensor *t = job->inputs[i];
        if (t->ndims < 1) return -1;
        if (i == 0)
            d0 = t->dims[0];
        else if (t->dims[0] != d0)
            return -1;
    }
    return d0;
}

int ai_job_batch_compatible(const ai_job *a, const ai_job *b) {
    if (a->kind != AI_JOB_MODEL || b->kind != AI_JOB_MODEL || a->model != b->model) return 0;
    if (a->ninputs != b->ninputs || a->noutputs != b->noutputs) return 0;
    if (ai_job_batch_dim(a) < 0 || ai_job_batch_dim(b) < 0) return 0;
    for (size_t i = 0; i < a->ninputs; i++) {
        const ai_tensor *x = a->inputs[i], *y = b->inputs[i];
        if (x->dtype != y->dtype || x->ndims != y->ndims) return 0;
        for (int d = 1; d < x->ndims; d++)
            if (x->dims[d] != y->dims[d]) return 0;
    }
    return 1;
}
