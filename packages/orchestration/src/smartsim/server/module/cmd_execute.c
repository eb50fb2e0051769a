/*
 * cmd_execute.c -- AI.MODELEXECUTE, AI.MODELRUN (deprecated), AI.SCRIPTEXECUTE and AI.SCRIPTRUN
 * (deprecated): parsing, key declaration, job creation, and the caller's reply path.
 *
 * A command is refused inside MULTI/Lua before anything else, parsed with the checks and error
 * strings of the RedisAI 1.2 command surface, its input tensors are resolved and retained, and --
 * if a worker serves the backend on the device -- the caller is blocked and the job queued
 * (queue.c). When the job ends, the reply callback below runs on the main thread in the caller's
 * context: it writes the outputs, replicates them as AI.TENSORSET ... BLOB and replies +OK, the
 * error, or +TIMEDOUT. A caller that disconnected gets no reply callback, so nothing is written.
 */
#include "cmd_execute.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "job.h"
#include "queue.h"
#include "type_tensor.h"

#define AI_ERR_IN_TRANSACTION "ERR Cannot run RedisAI command within a transaction or a LUA script"
#define AI_ERR_TENSOR_EMPTY "ERR tensor key is empty or in a different shard"
#define AI_ERR_TIMEOUT_VALUE "ERR Invalid value for TIMEOUT"

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

/* The module-built arity error (upper-case command name whatever the client sent). */
static int ai_reply_arity(RedisModuleCtx *ctx, const char *cmd) {
    char msg[96];
    snprintf(msg, sizeof(msg), "ERR wrong number of arguments for '%s' command", cmd);
    return RedisModule_ReplyWithError(ctx, msg);
}

/* "Invalid argument: <token>" style errors that quote an argument. */
static int ai_reply_with_token(RedisModuleCtx *ctx, const char *prefix, RedisModuleString *tok) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(tok, &len);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s%.*s", prefix, (int)(len > 200 ? 200 : len), p);
    return RedisModule_ReplyWithError(ctx, msg);
}

static int ai_parse_timeout(RedisModuleString *s, long long *out) {
    return RedisModule_StringToLongLong(s, out) == REDISMODULE_OK && *out > 0;
}

/* ===== Job building ===== */

static RedisModuleString **ai_retain_strings(RedisModuleCtx *ctx, RedisModuleString **v, size_t n) {
    RedisModuleString **out;
    if (n == 0) return NULL;
    out = RedisModule_Calloc(n, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        RedisModule_RetainString(ctx, v[i]);
        out[i] = v[i];
    }
    return out;
}

/* Resolve and retain the input tensors; replies the error and returns -1 on failure. */
static int ai_job_load_inputs(RedisModuleCtx *ctx, ai_job *job, RedisModuleString **names, size_t n) {
    if (n == 0) return 0;
    job->inputs = RedisModule_Calloc(n, sizeof(*job->inputs));
    for (size_t i = 0; i < n; i++) {
        RedisModuleKey *key = RedisModule_OpenKey(ctx, names[i], REDISMODULE_READ);
        if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY) {
            RedisModule_CloseKey(key);
            RedisModule_ReplyWithError(ctx, AI_ERR_TENSOR_EMPTY);
            return -1;
        }
        if (RedisModule_ModuleTypeGetType(key) != ai_tensor_type) {
            RedisModule_CloseKey(key);
            RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
            return -1;
        }
        job->inputs[i] = ai_tensor_retain(RedisModule_ModuleTypeGetValue(key));
        job->ninputs = i + 1;
        RedisModule_CloseKey(key);
    }
    return 0;
}

static void ai_job_set_key(ai_job *job, RedisModuleString *keyname) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(keyname, &len);
    job->key = RedisModule_Alloc(len + 1);
    memcpy(job->key, p, len);
    job->key[len] = '\0';
    job->keylen = len;
}

/* ===== Caller's blocked-client callbacks ===== */

/*
 * Reply callback of a blocked caller. Called by the server on the main thread, in the caller's
 * context, after ai_queue_finish unblocked it with the job as private data (freed afterwards by
 * ai_caller_free). Writes the outputs (all or none: every output key is type-checked first),
 * replicates each as AI.TENSORSET <key> <dtype> <dims...> BLOB <data>, and replies.
 */
static int ai_caller_reply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_job *job = RedisModule_GetBlockedClientPrivateData(ctx);

    if (job == NULL) return RedisModule_ReplyWithError(ctx, "ERR request aborted");
    if (job->timedout) return RedisModule_ReplyWithSimpleString(ctx, "TIMEDOUT");
    if (job->error != NULL) return RedisModule_ReplyWithError(ctx, job->error);

    for (size_t i = 0; i < job->nresults; i++) {
        RedisModuleKey *key = RedisModule_OpenKey(ctx, job->outputs[i], REDISMODULE_READ);
        int bad = RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_EMPTY &&
                  RedisModule_ModuleTypeGetType(key) != ai_tensor_type;
        RedisModule_CloseKey(key);
        if (bad) return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }
    for (size_t i = 0; i < job->nresults; i++) {
        ai_tensor *t = job->results[i];
        RedisModuleKey *key = RedisModule_OpenKey(ctx, job->outputs[i], REDISMODULE_READ | REDISMODULE_WRITE);
        RedisModuleString *small[8], **dims = small;

        if (RedisModule_ModuleTypeSetValue(key, ai_tensor_type, ai_tensor_retain(t)) != REDISMODULE_OK) {
            ai_tensor_release(t);
            RedisModule_CloseKey(key);
            return RedisModule_ReplyWithError(ctx, "ERR could not save tensor");
        }
        RedisModule_CloseKey(key);
        if ((size_t)t->ndims > sizeof(small) / sizeof(small[0]))
            dims = RedisModule_Alloc((size_t)t->ndims * sizeof(*dims));
        for (int d = 0; d < t->ndims; d++) dims[d] = RedisModule_CreateStringFromLongLong(ctx, t->dims[d]);
        RedisModule_Replicate(ctx, "AI.TENSORSET", "scvcb", job->outputs[i], t->dtype->name, dims, (size_t)t->ndims,
                              "BLOB", t->data, t->nbytes);
        for (int d = 0; d < t->ndims; d++) RedisModule_FreeString(ctx, dims[d]);
        if (dims != small) RedisModule_Free(dims);
    }
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* Free callback of a blocked caller's private data: called by the server on the main thread after
 * the reply callback, or without it when the caller had disconnected. Frees the job. */
static void ai_caller_free(RedisModuleCtx *ctx, void *privdata) {
    ai_job_free(privdata);
}

/* Check for a worker, block the caller and queue the job (which the queue owns from then on);
 * on "no worker" reply the error and free the job. */
static int ai_submit(RedisModuleCtx *ctx, ai_job *job) {
    RedisModuleBlockedClient *bc;
    if (!ai_queue_has_worker(job->device, job->backend)) {
        ai_queue_reply_no_worker(ctx, job->device, job->backend);
        ai_job_free(job);
        return REDISMODULE_OK;
    }
    bc = RedisModule_BlockClient(ctx, ai_caller_reply, NULL, ai_caller_free, 0);
    ai_queue_submit(ctx, job, bc);
    return REDISMODULE_OK;
}

static ai_job *ai_model_job(RedisModuleCtx *ctx, AIModel *model, RedisModuleString *keyname) {
    ai_job *job = ai_job_new(AI_JOB_MODEL);
    job->model = ai_model_retain(model);
    job->backend = ai_model_backend(model);
    job->device = ai_model_device(model);
    ai_job_set_key(job, keyname);
    return job;
}

/* ===== AI.MODELEXECUTE ===== */

static void ai_modelexecute_keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long n, m;
    int pos;
    if (argc > 1) RedisModule_KeyAtPos(ctx, 1);
    if (argc < 4 || !ai_arg_is(argv[2], "INPUTS") || RedisModule_StringToLongLong(argv[3], &n) != REDISMODULE_OK ||
        n < 0)
        return;
    for (pos = 4; pos < argc && pos < 4 + n; pos++) RedisModule_KeyAtPos(ctx, pos);
    if (pos + 1 >= argc || !ai_arg_is(argv[pos], "OUTPUTS") ||
        RedisModule_StringToLongLong(argv[pos + 1], &m) != REDISMODULE_OK || m < 0)
        return;
    for (int i = pos + 2; i < argc && i < pos + 2 + m; i++) RedisModule_KeyAtPos(ctx, i);
}

int ai_parse_modelexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int in_dag,
                          ai_modelexecute_args *out) {
    AIModel *model;
    long long n, m;
    int pos;

    memset(out, 0, sizeof(*out));
    if (argc < 8) return ai_reply_arity(ctx, "AI.MODELEXECUTE"), -1;
    if (ai_model_from_key(ctx, argv[1], &model) != REDISMODULE_OK) return -1;
#define AI_FAIL(msg) return RedisModule_ReplyWithError(ctx, (msg)), -1
    if (!ai_arg_is(argv[2], "INPUTS")) AI_FAIL("ERR INPUTS not specified");
    if (RedisModule_StringToLongLong(argv[3], &n) != REDISMODULE_OK) AI_FAIL("ERR Invalid argument for input_count");
    if (n <= 0) AI_FAIL("ERR Input count must be a positive integer");
    if (ai_model_ninputs(model) > 0 && (size_t)n != ai_model_ninputs(model))
        AI_FAIL("Number of keys given as INPUTS here does not match model definition");
    if (n > argc - 4)
        AI_FAIL("ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments");
    pos = 4 + (int)n;
    if (pos >= argc || !ai_arg_is(argv[pos], "OUTPUTS")) AI_FAIL("ERR OUTPUTS not specified");
    if (pos + 1 >= argc || RedisModule_StringToLongLong(argv[pos + 1], &m) != REDISMODULE_OK)
        AI_FAIL("ERR Invalid argument for output_count");
    if (m <= 0) AI_FAIL("ERR Output count must be a positive integer");
    if (ai_model_noutputs(model) > 0 && (size_t)m != ai_model_noutputs(model))
        AI_FAIL("Number of keys given as OUTPUTS here does not match model definition");
    if (m > argc - pos - 2)
        AI_FAIL("ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments");
    out->out_start = pos + 2;
    pos += 2 + (int)m;
    if (pos < argc) {
        if (!ai_arg_is(argv[pos], "TIMEOUT")) return ai_reply_with_token(ctx, "Invalid argument: ", argv[pos]), -1;
        if (in_dag) AI_FAIL("ERR TIMEOUT not allowed within a DAG command");
        if (pos + 1 >= argc) AI_FAIL("ERR No value provided for TIMEOUT");
        if (!ai_parse_timeout(argv[pos + 1], &out->timeout)) AI_FAIL(AI_ERR_TIMEOUT_VALUE);
        if (pos + 2 < argc) return ai_reply_with_token(ctx, "Invalid argument: ", argv[pos + 2]), -1;
    }
#undef AI_FAIL
    out->model = model;
    out->in_start = 4;
    out->nin = n;
    out->nout = m;
    return 0;
}

/* Queue the model run that MODELEXECUTE or MODELRUN parsed into `a` (replies on failure). */
static int ai_submit_model_run(RedisModuleCtx *ctx, RedisModuleString **argv, const ai_modelexecute_args *a) {
    ai_job *job = ai_model_job(ctx, a->model, argv[1]);

    job->timeout_ms = a->timeout;
    if (ai_job_load_inputs(ctx, job, argv + a->in_start, (size_t)a->nin) != 0) {
        ai_job_free(job);
        return REDISMODULE_OK;
    }
    job->outputs = ai_retain_strings(ctx, argv + a->out_start, (size_t)a->nout);
    job->noutputs = (size_t)a->nout;
    return ai_submit(ctx, job);
}

/* AI.MODELEXECUTE <key> INPUTS <n> <in...> OUTPUTS <m> <out...> [TIMEOUT <ms>] */
int ai_cmd_modelexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_modelexecute_args a;

    if (RedisModule_IsKeysPositionRequest(ctx)) {
        ai_modelexecute_keys(ctx, argv, argc);
        return REDISMODULE_OK;
    }
    if (ai_refuse_blocking(ctx)) return RedisModule_ReplyWithError(ctx, AI_ERR_IN_TRANSACTION);
    if (ai_parse_modelexecute(ctx, argv, argc, 0, &a) != 0) return REDISMODULE_OK;

    return ai_submit_model_run(ctx, argv, &a);
}

/* ===== AI.MODELRUN (deprecated) ===== */

static void ai_modelrun_keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    int pos = 2;
    if (argc > 1) RedisModule_KeyAtPos(ctx, 1);
    if (argc > 3 && ai_arg_is(argv[2], "TIMEOUT")) pos = 4;
    if (pos >= argc || !ai_arg_is(argv[pos], "INPUTS")) return;
    for (pos++; pos < argc; pos++)
        if (!ai_arg_is(argv[pos], "OUTPUTS")) RedisModule_KeyAtPos(ctx, pos);
}

int ai_parse_modelrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int in_dag,
                      ai_modelexecute_args *out) {
    AIModel *model;
    int pos = 2, in_start, in_end, out_start = -1;

    memset(out, 0, sizeof(*out));
    if (argc < 6) return ai_reply_arity(ctx, "AI.MODELRUN"), -1;
    if (ai_model_from_key(ctx, argv[1], &model) != REDISMODULE_OK) return -1;
#define AI_FAIL(msg) return RedisModule_ReplyWithError(ctx, (msg)), -1
    if (ai_arg_is(argv[2], "TIMEOUT")) {
        if (in_dag) AI_FAIL("ERR TIMEOUT not allowed within a DAG command");
        if (!ai_parse_timeout(argv[3], &out->timeout)) AI_FAIL(AI_ERR_TIMEOUT_VALUE);
        pos = 4;
    }
    if (!ai_arg_is(argv[pos], "INPUTS")) AI_FAIL("ERR INPUTS not specified");
    in_start = in_end = pos + 1;
    for (pos = in_start; pos < argc; pos++) {
        if (ai_arg_is(argv[pos], "OUTPUTS")) {
            out_start = pos + 1;
            break;
        }
        in_end = pos + 1;
    }
    if (out_start < 0) AI_FAIL("ERR OUTPUTS not specified");
    if (ai_model_ninputs(model) > 0 && (size_t)(in_end - in_start) != ai_model_ninputs(model))
        AI_FAIL("Number of keys given as INPUTS here does not match model definition");
    if (ai_model_noutputs(model) > 0 && (size_t)(argc - out_start) != ai_model_noutputs(model))
        AI_FAIL("Number of keys given as OUTPUTS here does not match model definition");
#undef AI_FAIL
    out->model = model;
    out->in_start = in_start;
    out->nin = in_end - in_start;
    out->out_start = out_start;
    out->nout = argc - out_start;
    return 0;
}

/* AI.MODELRUN <key> [TIMEOUT <ms>] INPUTS <in...> OUTPUTS <out...> */
int ai_cmd_modelrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_modelexecute_args a;

    if (RedisModule_IsKeysPositionRequest(ctx)) {
        ai_modelrun_keys(ctx, argv, argc);
        return REDISMODULE_OK;
    }
    if (ai_refuse_blocking(ctx)) return RedisModule_ReplyWithError(ctx, AI_ERR_IN_TRANSACTION);
    if (ai_parse_modelrun(ctx, argv, argc, 0, &a) != 0) return REDISMODULE_OK;

    return ai_submit_model_run(ctx, argv, &a);
}

/* ===== Scripts ===== */

static ai_job *ai_script_job(RedisModuleCtx *ctx, AIScript *script, RedisModuleString *keyname,
                             RedisModuleString *fn) {
    ai_job *job = ai_job_new(AI_JOB_SCRIPT);
    size_t len;
    const char *p = RedisModule_StringPtrLen(fn, &len);

    job->script = ai_script_retain(script);
    job->backend = AI_BACKEND_TORCH;
    job->device = ai_script_device(script);
    ai_job_set_key(job, keyname);
    job->function = RedisModule_Alloc(len + 1);
    memcpy(job->function, p, len);
    job->function[len] = '\0';
    job->function_len = len;
    job->entry_point = ai_script_has_entry_point(script, p, len) ? 1 : 0;
    return job;
}

static int ai_scope_of(RedisModuleString *tok) {
    if (ai_arg_is(tok, "KEYS")) return AI_SCOPE_KEYS;
    if (ai_arg_is(tok, "INPUTS")) return AI_SCOPE_INPUTS;
    if (ai_arg_is(tok, "ARGS")) return AI_SCOPE_ARGS;
    if (ai_arg_is(tok, "OUTPUTS")) return AI_SCOPE_OUTPUTS;
    return -1;
}

int ai_parse_script_scopes(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int in_dag, ai_scopes *sc) {
    static const char *names[AI_SCOPE_COUNT] = {"KEYS", "INPUTS", "ARGS", "OUTPUTS"};
    static const char *count_err[AI_SCOPE_COUNT] = {
        NULL, "ERR Invalid argument for inputs count in AI.SCRIPTEXECUTE",
        "ERR Invalid argument for keys count in AI.SCRIPTEXECUTE",
        "ERR Invalid argument for outputs count in AI.SCRIPTEXECUTE"};
    static const char *arity_err[AI_SCOPE_COUNT] = {
        NULL, "ERR number of inputs to AI.SCRIPTEXECUTE command does not match the number of given arguments",
        "ERR number of args to AI.SCRIPTEXECUTE command does not match the number of given arguments",
        "ERR number of outputs to AI.SCRIPTEXECUTE command does not match the number of given arguments"};
    int pos = 3;

    memset(sc, 0, sizeof(*sc));
#define AI_FAIL(msg) return (ctx ? RedisModule_ReplyWithError(ctx, (msg)) : 0, -1)
    if (!in_dag && (argc <= 3 || (ai_scope_of(argv[3]) != AI_SCOPE_KEYS && ai_scope_of(argv[3]) != AI_SCOPE_INPUTS)))
        AI_FAIL("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command");
    while (pos < argc) {
        int s = ai_scope_of(argv[pos]);
        long long n;
        if (s >= 0) {
            char msg[96];
            if (sc->seen[s]) {
                snprintf(msg, sizeof(msg), "ERR Already Encountered %s scope in AI.SCRIPTEXECUTE command", names[s]);
                AI_FAIL(msg);
            }
            sc->seen[s] = 1;
            if (s == AI_SCOPE_KEYS) {
                if (argc - pos < 3) AI_FAIL("ERR Missing arguments after KEYS keyword");
                if (RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK || n <= 0)
                    AI_FAIL("ERR Invalid or negative value found in number of KEYS");
                if (n > argc - pos - 2)
                    AI_FAIL("ERR Number of pre declared KEYS to be used in the command does not match the number of "
                            "given arguments");
            } else {
                if (pos + 1 >= argc) AI_FAIL("ERR Invalid arguments provided to AI.SCRIPTEXECUTE");
                if (RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK || n < 0) AI_FAIL(count_err[s]);
                if (n > argc - pos - 2) AI_FAIL(arity_err[s]);
            }
            sc->start[s] = pos + 2;
            sc->count[s] = n;
            pos += 2 + (int)n;
        } else if (ai_arg_is(argv[pos], "TIMEOUT")) {
            if (in_dag) AI_FAIL("ERR TIMEOUT not allowed within a DAG command");
            if (pos + 1 >= argc) AI_FAIL("ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE");
            if (!ai_parse_timeout(argv[pos + 1], &sc->timeout)) AI_FAIL(AI_ERR_TIMEOUT_VALUE);
            if (pos + 2 < argc) AI_FAIL("ERR Encountered problem parsing AI.SCRIPTEXECUTE");
            pos += 2;
        } else {
            if (ctx) ai_reply_with_token(ctx, "ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: ", argv[pos]);
            return -1;
        }
    }
#undef AI_FAIL
    return 0;
}

/* ===== AI.SCRIPTEXECUTE ===== */

static void ai_scriptexecute_keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_scopes sc;
    static const int declared[] = {AI_SCOPE_KEYS, AI_SCOPE_INPUTS, AI_SCOPE_OUTPUTS};
    if (argc > 1) RedisModule_KeyAtPos(ctx, 1);
    if (ai_parse_script_scopes(NULL, argv, argc, 0, &sc) != 0) return;
    for (size_t k = 0; k < sizeof(declared) / sizeof(declared[0]); k++) {
        int s = declared[k];
        for (long long i = 0; sc.seen[s] && i < sc.count[s]; i++) RedisModule_KeyAtPos(ctx, sc.start[s] + (int)i);
    }
}

/* AI.SCRIPTEXECUTE <key> <function> [KEYS n k...] [INPUTS n in...] [ARGS n a...] [OUTPUTS n out...]
 *                  [TIMEOUT ms] */
int ai_cmd_scriptexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    AIScript *script;
    ai_scopes sc;
    ai_job *job;

    if (RedisModule_IsKeysPositionRequest(ctx)) {
        ai_scriptexecute_keys(ctx, argv, argc);
        return REDISMODULE_OK;
    }
    if (ai_refuse_blocking(ctx)) return RedisModule_ReplyWithError(ctx, AI_ERR_IN_TRANSACTION);
    if (argc < 3) return ai_reply_arity(ctx, "AI.SCRIPTEXECUTE");
    if (ai_script_from_key(ctx, argv[1], &script) != REDISMODULE_OK) return REDISMODULE_OK;
    if (ai_parse_script_scopes(ctx, argv, argc, 0, &sc) != 0) return REDISMODULE_OK;

    job = ai_script_job(ctx, script, argv[1], argv[2]);
    job->timeout_ms = sc.timeout;
    if (ai_job_load_inputs(ctx, job, argv + sc.start[AI_SCOPE_INPUTS], (size_t)sc.count[AI_SCOPE_INPUTS]) != 0) {
        ai_job_free(job);
        return REDISMODULE_OK;
    }
    job->keys = ai_retain_strings(ctx, argv + sc.start[AI_SCOPE_KEYS], (size_t)sc.count[AI_SCOPE_KEYS]);
    job->nkeys = (size_t)sc.count[AI_SCOPE_KEYS];
    job->args = ai_retain_strings(ctx, argv + sc.start[AI_SCOPE_ARGS], (size_t)sc.count[AI_SCOPE_ARGS]);
    job->nargs = (size_t)sc.count[AI_SCOPE_ARGS];
    job->outputs = ai_retain_strings(ctx, argv + sc.start[AI_SCOPE_OUTPUTS], (size_t)sc.count[AI_SCOPE_OUTPUTS]);
    job->noutputs = (size_t)sc.count[AI_SCOPE_OUTPUTS];
    return ai_submit(ctx, job);
}

/* ===== AI.SCRIPTRUN (deprecated) ===== */

int ai_parse_scriptrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int in_dag, char *kind,
                       long long *timeout) {
    int state = 0, seen_timeout = 0, seen_dollar = 0;
#define AI_FAIL(msg) return (ctx ? RedisModule_ReplyWithError(ctx, (msg)) : 0, -1)
    for (int pos = 3; pos < argc; pos++) {
        kind[pos] = 0;
        if (ai_arg_is(argv[pos], "TIMEOUT")) {
            if (in_dag) AI_FAIL("ERR TIMEOUT not allowed within a DAG command");
            if (seen_timeout) AI_FAIL("ERR Already encountered an TIMEOUT section in SCRIPTRUN");
            seen_timeout = 1;
            if (pos + 1 >= argc || !ai_parse_timeout(argv[pos + 1], timeout)) AI_FAIL(AI_ERR_TIMEOUT_VALUE);
            kind[++pos] = 0;
        } else if (ai_arg_is(argv[pos], "INPUTS")) {
            if (state == 2) AI_FAIL("ERR Already encountered an INPUTS section in SCRIPTRUN");
            if (state == 1) AI_FAIL("ERR Already encountered an INPUTS keyword in SCRIPTRUN");
            state = 1;
        } else if (ai_arg_is(argv[pos], "OUTPUTS")) {
            if (state == 2) AI_FAIL("ERR Already encountered an OUTPUTS keyword in SCRIPTRUN");
            state = 2;
        } else if (ai_arg_is(argv[pos], "$")) {
            if (state != 1) AI_FAIL("ERR Encountered a variable size list of tensors outside of input section");
            if (seen_dollar) AI_FAIL("ERR Already encountered a variable size list of tensors");
            seen_dollar = 1;
        } else if (state == 0) {
            AI_FAIL("ERR Unrecongnized parameter to SCRIPTRUN");
        } else {
            kind[pos] = state == 1 ? 'i' : 'o';
        }
    }
#undef AI_FAIL
    return 0;
}

static void ai_scriptrun_keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    char small[64], *kind = argc <= 64 ? small : RedisModule_Alloc((size_t)argc);
    long long timeout = 0;
    if (argc > 1) RedisModule_KeyAtPos(ctx, 1);
    if (ai_parse_scriptrun(NULL, argv, argc, 0, kind, &timeout) == 0)
        for (int pos = 3; pos < argc; pos++)
            if (kind[pos]) RedisModule_KeyAtPos(ctx, pos);
    if (kind != small) RedisModule_Free(kind);
}

/* AI.SCRIPTRUN <key> <function> [TIMEOUT <ms>] INPUTS <in...> [$ <in...>] OUTPUTS <out...> */
int ai_cmd_scriptrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    AIScript *script;
    ai_job *job;
    char small[64], *kind;
    long long timeout = 0;
    size_t nin = 0, nout = 0;
    RedisModuleString **ins, **outs;

    if (RedisModule_IsKeysPositionRequest(ctx)) {
        ai_scriptrun_keys(ctx, argv, argc);
        return REDISMODULE_OK;
    }
    if (ai_refuse_blocking(ctx)) return RedisModule_ReplyWithError(ctx, AI_ERR_IN_TRANSACTION);
    if (argc < 3) return ai_reply_arity(ctx, "AI.SCRIPTRUN");
    if (ai_script_from_key(ctx, argv[1], &script) != REDISMODULE_OK) return REDISMODULE_OK;
    kind = argc <= 64 ? small : RedisModule_Alloc((size_t)argc);
    if (ai_parse_scriptrun(ctx, argv, argc, 0, kind, &timeout) != 0) {
        if (kind != small) RedisModule_Free(kind);
        return REDISMODULE_OK;
    }
    ins = RedisModule_Calloc((size_t)argc, sizeof(*ins));
    outs = RedisModule_Calloc((size_t)argc, sizeof(*outs));
    for (int pos = 3; pos < argc; pos++) {
        if (kind[pos] == 'i') ins[nin++] = argv[pos];
        if (kind[pos] == 'o') outs[nout++] = argv[pos];
    }
    if (kind != small) RedisModule_Free(kind);

    job = ai_script_job(ctx, script, argv[1], argv[2]);
    job->timeout_ms = timeout;
    if (ai_job_load_inputs(ctx, job, ins, nin) != 0) {
        ai_job_free(job);
    } else {
        job->outputs = ai_retain_strings(ctx, outs, nout);
        job->noutputs = nout;
        ai_submit(ctx, job);
    }
    RedisModule_Free(ins);
    RedisModule_Free(outs);
    return REDISMODULE_OK;
}
