/*
 * cmd_worker.c -- AI._WORKER.HELLO, AI._WORKER.NEXT, AI._WORKER.MODEL, AI._WORKER.DONE and
 * AI._WORKER.LIST: the commands worker processes use to receive jobs and report results.
 *
 * The commands are keyless, so they never touch the keyspace (in a cluster a worker talks to its
 * own shard directly). The queue logic lives in queue.c; this file parses arguments and builds
 * replies. All handlers run on the server's main thread.
 */
#include "cmd_worker.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "queue.h"
#include "stats.h"

#define AI_ERR_NOT_WORKER "ERR this connection is not a worker (send AI._WORKER.HELLO first)"
#define AI_ERR_IN_TRANSACTION "ERR Cannot run RedisAI command within a transaction or a LUA script"

static int ai_arg_is(RedisModuleString *s, const char *word) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

static int ai_refuse_blocking(RedisModuleCtx *ctx) {
    int flags = RedisModule_GetContextFlags(ctx);
    return (flags & (REDISMODULE_CTX_FLAGS_LUA | REDISMODULE_CTX_FLAGS_MULTI | REDISMODULE_CTX_FLAGS_DENY_BLOCKING)) !=
           0;
}

/* ===== AI._WORKER.HELLO ===== */

/* AI._WORKER.HELLO <device> <backend> [<backend> ...] */
int ai_cmd_worker_hello(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    unsigned backends = 0;
    size_t devlen;
    const char *dev;

    if (argc < 3) return RedisModule_WrongArity(ctx);
    dev = RedisModule_StringPtrLen(argv[1], &devlen);
    if (devlen == 0 || devlen > 32) return RedisModule_ReplyWithError(ctx, "ERR Invalid DEVICE");
    for (int i = 2; i < argc; i++) {
        size_t len;
        const char *name = RedisModule_StringPtrLen(argv[i], &len);
        AIBackend b;
        if (ai_backend_parse(name, len, &b) != 0) return RedisModule_ReplyWithError(ctx, "ERR unsupported backend");
        backends |= 1u << b;
    }
    ai_worker_register(ctx, RedisModule_GetClientId(ctx), dev, devlen, backends);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* ===== AI._WORKER.NEXT ===== */

static void ai_reply_tensor(RedisModuleCtx *ctx, const ai_tensor *t) {
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithCString(ctx, t->dtype->name);
    RedisModule_ReplyWithArray(ctx, t->ndims);
    for (int d = 0; d < t->ndims; d++) RedisModule_ReplyWithLongLong(ctx, t->dims[d]);
    RedisModule_ReplyWithStringBuffer(ctx, t->data, t->nbytes);
}

static void ai_reply_strings(RedisModuleCtx *ctx, RedisModuleString **v, size_t n) {
    RedisModule_ReplyWithArray(ctx, (long)n);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *p = RedisModule_StringPtrLen(v[i], &len);
        RedisModule_ReplyWithStringBuffer(ctx, p, len);
    }
}

/*
 * A run, as a flat array of field names and values:
 *   run <id> kind MODEL|SCRIPT key <key> version <n> backend <B> device <dev> function <fn|"">
 *   entry_point 0|1 requests [ [job <id> keys [...] args [...] noutputs <n> inputs [[dtype,[dims],blob]...]] ...]
 */
void ai_worker_reply_run(RedisModuleCtx *ctx, const ai_run *run) {
    const ai_job *first = run->jobs[0];
    int is_model = first->kind == AI_JOB_MODEL;

    RedisModule_ReplyWithArray(ctx, 18);
    RedisModule_ReplyWithCString(ctx, "run");
    RedisModule_ReplyWithLongLong(ctx, (long long)run->id);
    RedisModule_ReplyWithCString(ctx, "kind");
    RedisModule_ReplyWithCString(ctx, is_model ? "MODEL" : "SCRIPT");
    RedisModule_ReplyWithCString(ctx, "key");
    RedisModule_ReplyWithStringBuffer(ctx, first->key, first->keylen);
    RedisModule_ReplyWithCString(ctx, "version");
    RedisModule_ReplyWithLongLong(
        ctx, (long long)(is_model ? ai_model_version(first->model) : ai_script_version(first->script)));
    RedisModule_ReplyWithCString(ctx, "backend");
    RedisModule_ReplyWithCString(ctx, ai_backend_name(first->backend));
    RedisModule_ReplyWithCString(ctx, "device");
    RedisModule_ReplyWithCString(ctx, first->device);
    RedisModule_ReplyWithCString(ctx, "function");
    RedisModule_ReplyWithStringBuffer(ctx, first->function ? first->function : "", first->function_len);
    RedisModule_ReplyWithCString(ctx, "entry_point");
    RedisModule_ReplyWithLongLong(ctx, first->entry_point);
    RedisModule_ReplyWithCString(ctx, "requests");
    RedisModule_ReplyWithArray(ctx, (long)run->njobs);
    for (size_t r = 0; r < run->njobs; r++) {
        const ai_job *job = run->jobs[r];
        RedisModule_ReplyWithArray(ctx, 10);
        RedisModule_ReplyWithCString(ctx, "job");
        RedisModule_ReplyWithLongLong(ctx, (long long)job->id);
        RedisModule_ReplyWithCString(ctx, "keys");
        ai_reply_strings(ctx, job->keys, job->nkeys);
        RedisModule_ReplyWithCString(ctx, "args");
        ai_reply_strings(ctx, job->args, job->nargs);
        RedisModule_ReplyWithCString(ctx, "noutputs");
        RedisModule_ReplyWithLongLong(ctx, (long long)job->noutputs);
        RedisModule_ReplyWithCString(ctx, "inputs");
        RedisModule_ReplyWithArray(ctx, (long)job->ninputs);
        for (size_t i = 0; i < job->ninputs; i++) ai_reply_tensor(ctx, job->inputs[i]);
    }
}

/* AI._WORKER.NEXT <timeout_ms> */
int ai_cmd_worker_next(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long timeout;
    ai_worker *w;
    ai_run *run;
    RedisModuleBlockedClient *bc;

    if (argc != 2) return RedisModule_WrongArity(ctx);
    if (ai_refuse_blocking(ctx)) return RedisModule_ReplyWithError(ctx, AI_ERR_IN_TRANSACTION);
    if (RedisModule_StringToLongLong(argv[1], &timeout) != REDISMODULE_OK || timeout < 0)
        return RedisModule_ReplyWithError(ctx, "ERR Invalid value for TIMEOUT");
    if ((w = ai_worker_find(RedisModule_GetClientId(ctx))) == NULL)
        return RedisModule_ReplyWithError(ctx, AI_ERR_NOT_WORKER);
    if ((run = ai_queue_take(ctx, w)) != NULL) {
        ai_worker_reply_run(ctx, run);
        return REDISMODULE_OK;
    }
    bc = RedisModule_BlockClient(ctx, ai_worker_next_reply, ai_worker_next_timeout, ai_worker_next_free, timeout);
    ai_queue_park(bc, w);
    return REDISMODULE_OK;
}

/* ===== AI._WORKER.MODEL ===== */

/* The INPUTS and OUTPUTS names a model was stored with (none for scripts and non-TF models). */
static void ai_reply_model_io(RedisModuleCtx *ctx, const ai_job *job) {
    size_t nin = job->kind == AI_JOB_MODEL ? ai_model_ninputs(job->model) : 0;
    size_t nout = job->kind == AI_JOB_MODEL ? ai_model_noutputs(job->model) : 0;

    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithArray(ctx, (long)nin);
    for (size_t i = 0; i < nin; i++) RedisModule_ReplyWithCString(ctx, ai_model_input(job->model, i));
    RedisModule_ReplyWithArray(ctx, (long)nout);
    for (size_t i = 0; i < nout; i++) RedisModule_ReplyWithCString(ctx, ai_model_output(job->model, i));
}

/* AI._WORKER.MODEL <run_id> [IO]: the model blob or script source of a run held by this worker,
 * or with IO the model's input and output names (of exactly the version the run holds, so a
 * model stored again meanwhile cannot hand the worker names that do not fit the blob). */
int ai_cmd_worker_model(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long id;
    ai_worker *w;
    ai_run *run;
    const ai_job *job;
    const char *p;
    size_t len;
    int io = 0;

    if (argc != 2 && argc != 3) return RedisModule_WrongArity(ctx);
    if (argc == 3) {
        p = RedisModule_StringPtrLen(argv[2], &len);
        if (len != 2 || strncasecmp(p, "IO", 2) != 0)
            return RedisModule_ReplyWithError(ctx, "ERR AI._WORKER.MODEL takes IO or nothing after the run id");
        io = 1;
    }
    if ((w = ai_worker_find(RedisModule_GetClientId(ctx))) == NULL)
        return RedisModule_ReplyWithError(ctx, AI_ERR_NOT_WORKER);
    if (RedisModule_StringToLongLong(argv[1], &id) != REDISMODULE_OK ||
        (run = ai_worker_find_run(w, (unsigned long long)id)) == NULL)
        return RedisModule_ReplyWithError(ctx, "ERR unknown run");
    job = run->jobs[0];
    if (io) {
        ai_reply_model_io(ctx, job);
        return REDISMODULE_OK;
    }
    p = job->kind == AI_JOB_MODEL ? ai_model_blob(job->model, &len) : ai_script_source(job->script, &len);
    return RedisModule_ReplyWithStringBuffer(ctx, p, len);
}

/* ===== AI._WORKER.DONE ===== */

/* Parse one output tensor at argv[*pos]: <dtype> <ndims> <dim>... <blob>. */
static ai_tensor *ai_parse_output(RedisModuleString **argv, int argc, int *pos, const char **err) {
    const ai_dtype *dtype;
    long long ndims, dims[64];
    size_t len;
    const char *name;

    if (*pos + 2 > argc) goto short_args;
    name = RedisModule_StringPtrLen(argv[*pos], &len);
    if ((dtype = ai_dtype_from_name(name, len)) == NULL) {
        *err = "invalid data type";
        return NULL;
    }
    if (RedisModule_StringToLongLong(argv[*pos + 1], &ndims) != REDISMODULE_OK || ndims < 0 || ndims > 64) {
        *err = "invalid number of dims";
        return NULL;
    }
    if (*pos + 2 + ndims + 1 > argc) goto short_args;
    for (long long d = 0; d < ndims; d++) {
        if (RedisModule_StringToLongLong(argv[*pos + 2 + d], &dims[d]) != REDISMODULE_OK || dims[d] <= 0) {
            *err = "invalid dim";
            return NULL;
        }
    }
    {
        const char *terr = NULL;
        ai_tensor *t = ai_tensor_new_from_blob(dtype, dims, (int)ndims, argv[*pos + 2 + ndims], &terr);
        if (t == NULL) {
            *err = terr;
            return NULL;
        }
        *pos += (int)(3 + ndims);
        return t;
    }
short_args:
    *err = "too few arguments";
    return NULL;
}

static void ai_free_tensor_list(ai_tensor **v, size_t n) {
    for (size_t i = 0; i < n; i++) ai_tensor_release(v[i]);
    RedisModule_Free(v);
}

/* Check one job's outputs against its request and store them (or the matching error) in it. */
static void ai_job_accept_outputs(ai_job *job, ai_tensor **outs, size_t nout) {
    if (job->kind == AI_JOB_SCRIPT && job->noutputs == 0) {
        ai_free_tensor_list(outs, nout);
        return;
    }
    if (nout != job->noutputs) {
        ai_free_tensor_list(outs, nout);
        if (job->kind == AI_JOB_MODEL) {
            const char *m = "ERR Model did not generate the expected number of outputs";
            ai_job_set_error(job, m, strlen(m));
        } else {
            char m[256];
            int n = snprintf(m, sizeof(m), "Function returned unexpected number of outputs - %.*s",
                             (int)job->function_len, job->function);
            ai_job_set_error(job, m, (size_t)n < sizeof(m) ? (size_t)n : sizeof(m) - 1);
        }
        return;
    }
    ai_job_set_results(job, outs, nout);
}

static void ai_record(const ai_job *job) {
    long long samples = 0;
    if (job->kind == AI_JOB_MODEL && job->error == NULL && job->nresults > 0 && job->results[0]->ndims > 0)
        samples = job->results[0]->dims[0];
    /* Count for the value that actually ran, even if the key has been stored again since. */
    ai_stats_entry_record(ai_job_stats(job), job->error ? 0 : job->duration_us, samples, job->error != NULL);
}

/*
 * AI._WORKER.DONE <run_id> OK <duration_us> {<nout> {<dtype> <ndims> <dim>... <blob>}... | ERR <message>}...
 * AI._WORKER.DONE <run_id> ERR <duration_us> <message>
 *
 * In the OK form each request of the run has its own item: its outputs, or `ERR <message>` when
 * only that request failed (a batch where one caller's input made the model raise). The message
 * arguments stay owned by the server (argv); ai_job_set_error copies them.
 */
int ai_cmd_worker_done(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long id, duration;
    ai_worker *w;
    ai_run *run;
    int ok, pos = 4;
    const char *err = NULL;
    ai_tensor ***outs = NULL;
    RedisModuleString **errs = NULL;
    size_t *nouts = NULL, r;

    if (argc < 4) return RedisModule_WrongArity(ctx);
    if ((w = ai_worker_find(RedisModule_GetClientId(ctx))) == NULL)
        return RedisModule_ReplyWithError(ctx, AI_ERR_NOT_WORKER);
    if (RedisModule_StringToLongLong(argv[1], &id) != REDISMODULE_OK ||
        (run = ai_worker_find_run(w, (unsigned long long)id)) == NULL)
        return RedisModule_ReplyWithLongLong(ctx, 0);
    if (ai_arg_is(argv[2], "OK"))
        ok = 1;
    else if (ai_arg_is(argv[2], "ERR"))
        ok = 0;
    else
        return RedisModule_ReplyWithError(ctx, "ERR expected OK or ERR");
    if (RedisModule_StringToLongLong(argv[3], &duration) != REDISMODULE_OK || duration < 0)
        return RedisModule_ReplyWithError(ctx, "ERR invalid duration");
    if (!ok && argc != 5) return RedisModule_WrongArity(ctx);

    /* The run is the worker's no more: whatever follows, its jobs end here. */
    ai_worker_detach_run(w, run);
    if (ok) {
        outs = RedisModule_Calloc(run->njobs, sizeof(*outs));
        nouts = RedisModule_Calloc(run->njobs, sizeof(*nouts));
        errs = RedisModule_Calloc(run->njobs, sizeof(*errs));
        for (r = 0; r < run->njobs && err == NULL; r++) {
            long long n;
            if (pos < argc && ai_arg_is(argv[pos], "ERR")) {
                size_t msglen = 0;
                if (pos + 1 < argc) RedisModule_StringPtrLen(argv[pos + 1], &msglen);
                if (msglen == 0) {
                    err = "missing request error message";
                    break;
                }
                errs[r] = argv[pos + 1];
                pos += 2;
                continue;
            }
            if (pos >= argc || RedisModule_StringToLongLong(argv[pos], &n) != REDISMODULE_OK || n < 0 ||
                n > argc) {
                err = "invalid output count";
                break;
            }
            pos++;
            outs[r] = RedisModule_Calloc((size_t)n + 1, sizeof(**outs));
            for (long long i = 0; i < n; i++) {
                ai_tensor *t = ai_parse_output(argv, argc, &pos, &err);
                if (t == NULL) break;
                outs[r][nouts[r]++] = t;
            }
        }
        if (err == NULL && pos != argc) err = "unexpected arguments after the last output";
    }

    for (r = 0; r < run->njobs; r++) {
        ai_job *job = run->jobs[r];
        job->duration_us = duration;
        if (!ok) {
            size_t len;
            const char *msg = RedisModule_StringPtrLen(argv[4], &len);
            ai_job_set_error(job, msg, len);
        } else if (err != NULL) {
            char m[200];
            int n = snprintf(m, sizeof(m), "ERR worker returned a malformed result: %s", err);
            ai_job_set_error(job, m, (size_t)n < sizeof(m) ? (size_t)n : sizeof(m) - 1);
            if (outs[r] != NULL) ai_free_tensor_list(outs[r], nouts[r]);
        } else if (errs[r] != NULL) {
            size_t len;
            const char *msg = RedisModule_StringPtrLen(errs[r], &len);
            ai_job_set_error(job, msg, len);
        } else {
            ai_job_accept_outputs(job, outs[r], nouts[r]);
        }
        ai_record(job);
        ai_queue_finish(ctx, job);
    }
    ai_run_free(run);
    if (outs != NULL) RedisModule_Free(outs);
    if (nouts != NULL) RedisModule_Free(nouts);
    if (errs != NULL) RedisModule_Free(errs);
    if (err != NULL) {
        char m[200];
        snprintf(m, sizeof(m), "ERR malformed result: %s", err);
        return RedisModule_ReplyWithError(ctx, m);
    }
    return RedisModule_ReplyWithLongLong(ctx, 1);
}

/* ===== AI._WORKER.LIST ===== */

/* AI._WORKER.LIST: [[client_id, device, [backend...], runs_in_flight], ...] */
int ai_cmd_worker_list(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 1) return RedisModule_WrongArity(ctx);
    ai_worker_reply_list(ctx);
    return REDISMODULE_OK;
}
