/*
 * cmd_model.c -- AI.MODELSTORE, AI.MODELSET, AI.MODELGET, AI.MODELDEL, AI._MODELSCAN.
 *
 * Argument parsing, key access and replies; the model value lives in model.c. The order of
 * checks and every error string follow the RedisAI 1.2 command surface (reference 3.1-3.4, 3.7).
 * The module runs no backend: a model is stored as given and first loaded by a worker when it
 * is executed, so backend errors (bad graph, unknown TF node) surface at execution time.
 *
 * All handlers are called by the server on its main thread, with argv owned by the server for
 * the duration of the call.
 */
#include "cmd_model.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "model.h"
#include "stats.h"
#include "type_model.h"

#define AI_ERR_BACKEND "ERR unsupported backend"
#define AI_ERR_DEVICE "ERR Invalid DEVICE"
#define AI_ERR_BATCHSIZE "ERR Invalid argument for BATCHSIZE"
#define AI_ERR_MINBATCHSIZE "ERR Invalid argument for MINBATCHSIZE"
#define AI_ERR_MINBATCHTIMEOUT "ERR Invalid argument for MINBATCHTIMEOUT"
#define AI_ERR_MINBATCH_NO_BATCH "ERR MINBATCHSIZE specified without BATCHSIZE"
#define AI_ERR_MINTIMEOUT_NO_MINBATCH "ERR MINBATCHTIMEOUT specified without MINBATCHSIZE"
#define AI_ERR_MINTIMEOUT_NO_BATCH "ERR MINBATCHTIMEOUT specified without BATCHSIZE"
#define AI_ERR_MISSING_BLOB "ERR Insufficient arguments, missing model BLOB"
#define AI_ERR_EXPECTED_BLOB "ERR Invalid argument, expected BLOB"
#define AI_ERR_KEY_EMPTY "ERR model key is empty"
#define AI_ERR_INPUTS_COUNT "ERR number of model inputs does not match the number of given arguments"
#define AI_ERR_OUTPUTS_COUNT "ERR number of model outputs does not match the number of given arguments"

static int ai_arg_is(RedisModuleString *s, const char *word) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

/* A non-negative integer; an integral floating-point spelling ("3.0") is accepted too. */
static int ai_parse_count(RedisModuleString *s, long long *out) {
    double d;

    if (RedisModule_StringToLongLong(s, out) == REDISMODULE_OK) return *out >= 0 ? 0 : -1;
    if (RedisModule_StringToDouble(s, &d) != REDISMODULE_OK || !(d >= 0) || d > 9.2e18 || d != floor(d)) return -1;
    *out = (long long)d;
    return 0;
}

/* MODELSTORE device: CPU or GPU, optionally ":" and digits, shorter than 10 characters. */
static int ai_device_valid(RedisModuleString *s) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);

    if (len < 3 || len >= 10) return 0;
    if (strncasecmp(p, "CPU", 3) != 0 && strncasecmp(p, "GPU", 3) != 0) return 0;
    if (len == 3) return 1;
    if (p[3] != ':') return 0;
    for (size_t i = 4; i < len; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

/* Everything a store command parsed; names and chunks point into argv. */
typedef struct {
    AIBackend backend;
    RedisModuleString *device, *tag;
    long long batchsize, minbatchsize, minbatchtimeout;
    RedisModuleString **inputs, **outputs, **chunks;
    size_t ninputs, noutputs, nchunks;
} ai_model_args;

/* Check the key type (after parsing, as RedisAI does), build the model, store it, reply. */
static int ai_model_store(RedisModuleCtx *ctx, RedisModuleString *keyname, const ai_model_args *a) {
    RedisModuleKey *key;
    AIModel *m;
    const char *dev, *tag = "", *k;
    size_t devlen, taglen = 0, klen;

    key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ | REDISMODULE_WRITE);
    if (RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(key) != ai_model_type) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }

    dev = RedisModule_StringPtrLen(a->device, &devlen);
    if (a->tag != NULL) tag = RedisModule_StringPtrLen(a->tag, &taglen);
    m = ai_model_new(a->backend, dev, devlen, tag, taglen, a->batchsize, a->minbatchsize, a->minbatchtimeout);
    for (size_t i = 0; i < a->ninputs; i++) {
        const char *p = RedisModule_StringPtrLen(a->inputs[i], &klen);
        ai_model_add_input(m, p, klen);
    }
    for (size_t i = 0; i < a->noutputs; i++) {
        const char *p = RedisModule_StringPtrLen(a->outputs[i], &klen);
        ai_model_add_output(m, p, klen);
    }
    ai_model_set_blob_chunks(m, a->chunks, a->nchunks);
    k = RedisModule_StringPtrLen(keyname, &klen);
    ai_model_publish(m, k, klen);

    /* The key takes our reference; an older model is released by the server. */
    if (RedisModule_ModuleTypeSetValue(key, ai_model_type, m) != REDISMODULE_OK) {
        ai_model_release(m);
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, "ERR could not save model");
    }
    RedisModule_CloseKey(key);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* ===== AI.MODELSTORE ===== */

/* AI.MODELSTORE key backend device [TAG t] [BATCHSIZE n [MINBATCHSIZE m [MINBATCHTIMEOUT t]]]
 *     [INPUTS n name... OUTPUTS m name...] BLOB chunk [chunk ...] */
int ai_cmd_modelstore(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_model_args a = {0};
    const char *p;
    size_t len;
    int pos = 4;
    long long n;

    if (argc < 6) return RedisModule_WrongArity(ctx);

    p = RedisModule_StringPtrLen(argv[2], &len);
    if (ai_backend_parse(p, len, &a.backend) != 0) return RedisModule_ReplyWithError(ctx, AI_ERR_BACKEND);
    if (!ai_device_valid(argv[3])) return RedisModule_ReplyWithError(ctx, AI_ERR_DEVICE);
    a.device = argv[3];

    if (pos < argc && ai_arg_is(argv[pos], "TAG")) {
        if (pos + 1 < argc) a.tag = argv[pos + 1];
        pos += 2;
    }
    if (pos < argc && ai_arg_is(argv[pos], "BATCHSIZE")) {
        if (pos + 1 >= argc || ai_parse_count(argv[pos + 1], &a.batchsize) != 0)
            return RedisModule_ReplyWithError(ctx, AI_ERR_BATCHSIZE);
        pos += 2;
        if (pos < argc && ai_arg_is(argv[pos], "MINBATCHSIZE")) {
            if (pos + 1 >= argc || ai_parse_count(argv[pos + 1], &a.minbatchsize) != 0)
                return RedisModule_ReplyWithError(ctx, AI_ERR_MINBATCHSIZE);
            if (a.minbatchsize > 0 && a.batchsize == 0)
                return RedisModule_ReplyWithError(ctx, AI_ERR_MINBATCH_NO_BATCH);
            pos += 2;
            if (pos < argc && ai_arg_is(argv[pos], "MINBATCHTIMEOUT")) {
                if (pos + 1 >= argc || ai_parse_count(argv[pos + 1], &a.minbatchtimeout) != 0)
                    return RedisModule_ReplyWithError(ctx, AI_ERR_MINBATCHTIMEOUT);
                if (a.minbatchtimeout > 0 && a.minbatchsize == 0)
                    return RedisModule_ReplyWithError(ctx, AI_ERR_MINTIMEOUT_NO_MINBATCH);
                pos += 2;
            }
        }
    }
    if (pos >= argc) return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_BLOB);

    if (a.backend == AI_BACKEND_TF) {
        if (!ai_arg_is(argv[pos], "INPUTS")) return RedisModule_ReplyWithError(ctx, "ERR INPUTS not specified for TF");
        if (pos + 1 >= argc || RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK || n < 1)
            return RedisModule_ReplyWithError(ctx, "ERR Invalid argument for input_count");
        pos += 2;
        if (n > argc - pos)
            return RedisModule_ReplyWithError(ctx, AI_ERR_INPUTS_COUNT);
        a.inputs = argv + pos;
        a.ninputs = (size_t)n;
        pos += (int)n;
        if (pos >= argc || !ai_arg_is(argv[pos], "OUTPUTS"))
            return RedisModule_ReplyWithError(ctx, "ERR OUTPUTS not specified for TF");
        if (pos + 1 >= argc || RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK || n < 1)
            return RedisModule_ReplyWithError(ctx, "ERR Invalid argument for output_count");
        pos += 2;
        if (n > argc - pos)
            return RedisModule_ReplyWithError(ctx, AI_ERR_OUTPUTS_COUNT);
        a.outputs = argv + pos;
        a.noutputs = (size_t)n;
        pos += (int)n;
    } else if (ai_arg_is(argv[pos], "INPUTS")) {
        return RedisModule_ReplyWithError(ctx, "ERR INPUTS argument should not be specified for this backend");
    }

    if (pos >= argc) return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_BLOB);
    if (!ai_arg_is(argv[pos], "BLOB")) return RedisModule_ReplyWithError(ctx, AI_ERR_EXPECTED_BLOB);
    pos++;
    if (pos >= argc) return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_BLOB);
    a.chunks = argv + pos;
    a.nchunks = (size_t)(argc - pos);
    return ai_model_store(ctx, argv[1], &a);
}

/* ===== AI.MODELSET (deprecated) ===== */

static int ai_is_modelset_keyword(RedisModuleString *s) {
    static const char *const words[] = {"INPUTS", "OUTPUTS", "TAG", "BATCHSIZE", "MINBATCHSIZE", "MINBATCHTIMEOUT",
                                        "BLOB"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (ai_arg_is(s, words[i])) return 1;
    return 0;
}

/* AI.MODELSET key backend device [TAG t] [BATCHSIZE n [MINBATCHSIZE m [MINBATCHTIMEOUT t]]]
 *     [INPUTS name... OUTPUTS name...] BLOB chunk [chunk ...] */
int ai_cmd_modelset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_model_args a = {0};
    const char *p;
    size_t len;
    int pos = 4;

    if (argc < 4) return RedisModule_WrongArity(ctx);

    p = RedisModule_StringPtrLen(argv[2], &len);
    if (ai_backend_parse(p, len, &a.backend) != 0) return RedisModule_ReplyWithError(ctx, AI_ERR_BACKEND);
    RedisModule_StringPtrLen(argv[3], &len);
    if (len > 10 || ai_is_modelset_keyword(argv[3])) return RedisModule_ReplyWithError(ctx, AI_ERR_DEVICE);
    a.device = argv[3];

    if (pos < argc && ai_arg_is(argv[pos], "TAG")) {
        if (pos + 1 < argc) a.tag = argv[pos + 1];
        pos += 2;
    }
    if (pos < argc && ai_arg_is(argv[pos], "BATCHSIZE")) {
        if (a.backend == AI_BACKEND_TFLITE)
            return RedisModule_ReplyWithError(ctx, "ERR Auto-batching not supported by the TFLITE backend");
        if (pos + 1 >= argc || ai_parse_count(argv[pos + 1], &a.batchsize) != 0)
            return RedisModule_ReplyWithError(ctx, AI_ERR_BATCHSIZE);
        pos += 2;
    }
    if (pos < argc && ai_arg_is(argv[pos], "MINBATCHSIZE")) {
        if (a.batchsize == 0) return RedisModule_ReplyWithError(ctx, AI_ERR_MINBATCH_NO_BATCH);
        if (pos + 1 >= argc || ai_parse_count(argv[pos + 1], &a.minbatchsize) != 0)
            return RedisModule_ReplyWithError(ctx, AI_ERR_MINBATCHSIZE);
        pos += 2;
    }
    if (pos < argc && ai_arg_is(argv[pos], "MINBATCHTIMEOUT")) {
        if (a.batchsize == 0) return RedisModule_ReplyWithError(ctx, AI_ERR_MINTIMEOUT_NO_BATCH);
        if (a.minbatchsize == 0) return RedisModule_ReplyWithError(ctx, AI_ERR_MINTIMEOUT_NO_MINBATCH);
        if (pos + 1 >= argc || ai_parse_count(argv[pos + 1], &a.minbatchtimeout) != 0)
            return RedisModule_ReplyWithError(ctx, AI_ERR_MINBATCHTIMEOUT);
        pos += 2;
    }

    if (a.backend == AI_BACKEND_TF) {
        int start;
        if (pos >= argc || ai_arg_is(argv[pos], "BLOB"))
            return RedisModule_ReplyWithError(ctx, "ERR Insufficient arguments, INPUTS and OUTPUTS not specified");
        if (!ai_arg_is(argv[pos], "INPUTS")) return RedisModule_ReplyWithError(ctx, "ERR INPUTS not specified");
        start = ++pos;
        while (pos < argc && !ai_arg_is(argv[pos], "OUTPUTS")) pos++;
        if (pos >= argc) return RedisModule_ReplyWithError(ctx, "ERR OUTPUTS not specified");
        a.inputs = argv + start;
        a.ninputs = (size_t)(pos - start);
        start = ++pos;
        while (pos < argc && !ai_arg_is(argv[pos], "BLOB")) pos++;
        a.outputs = argv + start;
        a.noutputs = (size_t)(pos - start);
    } else {
        /* Anything between the options and BLOB is ignored for the other backends. */
        while (pos < argc && !ai_arg_is(argv[pos], "BLOB")) pos++;
    }
    if (pos + 1 >= argc) return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_BLOB);
    pos++;
    a.chunks = argv + pos;
    a.nchunks = (size_t)(argc - pos);
    return ai_model_store(ctx, argv[1], &a);
}

/* ===== AI.MODELGET ===== */

/* The payload as one bulk string, or as an array of MODEL_CHUNK_SIZE pieces when it is at least
 * that long (the last piece then holds the remainder, possibly empty). */
static void ai_reply_blob(RedisModuleCtx *ctx, const AIModel *m) {
    size_t len, chunk;
    const char *blob = ai_model_blob(m, &len);

    chunk = ai_cfg.model_chunk_size > 0 ? (size_t)ai_cfg.model_chunk_size : (size_t)AI_CONFIG_DEFAULT_MODEL_CHUNK_SIZE;
    if (len < chunk) {
        RedisModule_ReplyWithStringBuffer(ctx, blob, len);
        return;
    }
    RedisModule_ReplyWithArray(ctx, (long)(len / chunk + 1));
    for (size_t off = 0; off <= len; off += chunk) {
        RedisModule_ReplyWithStringBuffer(ctx, blob + off, len - off < chunk ? len - off : chunk);
        if (len - off < chunk) break;
    }
}

/* AI.MODELGET key [META] [BLOB] */
int ai_cmd_modelget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    AIModel *m;
    int meta = 0, blob = 0;

    if (argc < 2 || argc > 4) return RedisModule_WrongArity(ctx);
    if (ai_model_from_key(ctx, argv[1], &m) != REDISMODULE_OK) return REDISMODULE_OK;

    for (int i = 2; i < argc; i++) {
        if (ai_arg_is(argv[i], "META"))
            meta = 1;
        else if (ai_arg_is(argv[i], "BLOB"))
            blob = 1;
    }
    if (blob && !meta) {
        ai_reply_blob(ctx, m);
        return REDISMODULE_OK;
    }
    if (!meta && !blob) meta = blob = 1;

    RedisModule_ReplyWithArray(ctx, blob ? 18 : 16);
    RedisModule_ReplyWithCString(ctx, "backend");
    RedisModule_ReplyWithCString(ctx, ai_backend_name(ai_model_backend(m)));
    RedisModule_ReplyWithCString(ctx, "device");
    RedisModule_ReplyWithCString(ctx, ai_model_device(m));
    RedisModule_ReplyWithCString(ctx, "tag");
    RedisModule_ReplyWithStringBuffer(ctx, ai_model_tag(m), ai_model_tag_len(m));
    RedisModule_ReplyWithCString(ctx, "batchsize");
    RedisModule_ReplyWithLongLong(ctx, ai_model_batchsize(m));
    RedisModule_ReplyWithCString(ctx, "minbatchsize");
    RedisModule_ReplyWithLongLong(ctx, ai_model_minbatchsize(m));
    RedisModule_ReplyWithCString(ctx, "inputs");
    RedisModule_ReplyWithArray(ctx, (long)ai_model_ninputs(m));
    for (size_t i = 0; i < ai_model_ninputs(m); i++) RedisModule_ReplyWithCString(ctx, ai_model_input(m, i));
    RedisModule_ReplyWithCString(ctx, "outputs");
    RedisModule_ReplyWithArray(ctx, (long)ai_model_noutputs(m));
    for (size_t i = 0; i < ai_model_noutputs(m); i++) RedisModule_ReplyWithCString(ctx, ai_model_output(m, i));
    RedisModule_ReplyWithCString(ctx, "minbatchtimeout");
    RedisModule_ReplyWithLongLong(ctx, ai_model_minbatchtimeout(m));
    if (blob) {
        RedisModule_ReplyWithCString(ctx, "blob");
        ai_reply_blob(ctx, m);
    }
    return REDISMODULE_OK;
}

/* ===== AI.MODELDEL ===== */

/* AI.MODELDEL key */
int ai_cmd_modeldel(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleKey *key;

    if (argc != 2) return RedisModule_WrongArity(ctx);
    key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, AI_ERR_KEY_EMPTY);
    }
    if (RedisModule_ModuleTypeGetType(key) != ai_model_type) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }
    /* Releases the key's reference; running jobs keep theirs. */
    RedisModule_DeleteKey(key);
    RedisModule_CloseKey(key);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* ===== AI._MODELSCAN ===== */

/* AI._MODELSCAN */
int ai_cmd_modelscan(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING,
                    "AI._MODELSCAN is experimental and might be removed in future versions");
    ai_stats_reply_scan(ctx, AI_STATS_MODEL);
    return REDISMODULE_OK;
}
