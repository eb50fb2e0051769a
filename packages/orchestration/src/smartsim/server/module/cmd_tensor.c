/*
 * cmd_tensor.c -- AI.TENSORSET and AI.TENSORGET.
 *
 * Argument parsing, key access and replies; the tensor rules themselves
 * live in tensor.c. The order of checks and every error string follow the
 * RedisAI 1.2 command surface, because clients (SmartRedis, the RedisAI
 * test suite) compare error texts exactly.
 *
 * Both handlers are called by the server on its main thread, with argv
 * owned by the server for the duration of the call.
 */
#include "cmd_tensor.h"

#include <string.h>
#include <strings.h>

#include "tensor.h"
#include "type_tensor.h"

#define AI_ERR_BLOB_ARITY "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"
#define AI_ERR_KEY_EMPTY "ERR tensor key is empty or in a different shard"
#define AI_ERR_FORMAT "ERR unsupported data format"
#define AI_ERR_BLOB_AND_VALUES "ERR both BLOB and VALUES specified"

enum { AI_FMT_META = 1 << 0, AI_FMT_BLOB = 1 << 1, AI_FMT_VALUES = 1 << 2 };

static int ai_arg_is(RedisModuleString *s, const char *word) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

/* ===== AI.TENSORSET ===== */

/* AI.TENSORSET key dtype [dim ...] [BLOB data | VALUES v1 ... vN] */
int ai_cmd_tensorset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleKey *key;
    const ai_dtype *dtype;
    size_t dtlen;
    const char *dtname;
    long long small_dims[8], *dims = small_dims;
    int ndims = 0, pos, fmt = 0;
    ai_tensor *t = NULL;
    const char *err = NULL;

    RedisModule_AutoMemory(ctx);
    if (argc < 4) return RedisModule_WrongArity(ctx);

    /* The key type is checked before any syntax error. */
    key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    if (RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(key) != ai_tensor_type)
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);

    dtname = RedisModule_StringPtrLen(argv[2], &dtlen);
    dtype = ai_dtype_from_name(dtname, dtlen);
    if (dtype == NULL) return RedisModule_ReplyWithError(ctx, AI_ERR_INVALID_DTYPE);

    /* Shape: every token up to BLOB or VALUES is a strict integer > 0. */
    if ((size_t)(argc - 3) > sizeof(small_dims) / sizeof(small_dims[0]))
        dims = RedisModule_Alloc((size_t)(argc - 3) * sizeof(*dims));
    for (pos = 3; pos < argc; pos++) {
        long long d;
        if (ai_arg_is(argv[pos], "BLOB")) {
            fmt = AI_FMT_BLOB;
            if (pos != argc - 2) {
                err = AI_ERR_BLOB_ARITY;
                goto done;
            }
            pos++;
            break;
        }
        if (ai_arg_is(argv[pos], "VALUES")) {
            fmt = AI_FMT_VALUES;
            pos++;
            break;
        }
        if (RedisModule_StringToLongLong(argv[pos], &d) != REDISMODULE_OK || d <= 0) {
            err = AI_ERR_SHAPE;
            goto done;
        }
        dims[ndims++] = d;
    }

    if (fmt == AI_FMT_BLOB)
        t = ai_tensor_new_from_blob(dtype, dims, ndims, argv[pos], &err);
    else if (fmt == AI_FMT_VALUES)
        t = ai_tensor_new_from_values(dtype, dims, ndims, argv + pos, (size_t)(argc - pos), &err);
    else
        t = ai_tensor_new_zeroed(dtype, dims, ndims, &err);
    if (t == NULL) goto done;

    /* The key takes our reference; an older value is freed by the server. */
    if (RedisModule_ModuleTypeSetValue(key, ai_tensor_type, t) != REDISMODULE_OK) {
        ai_tensor_release(t);
        err = AI_ERR_SAVE;
        goto done;
    }
    RedisModule_ReplicateVerbatim(ctx);
    RedisModule_ReplyWithSimpleString(ctx, "OK");

done:
    if (dims != small_dims) RedisModule_Free(dims);
    if (err != NULL) return RedisModule_ReplyWithError(ctx, err);
    return REDISMODULE_OK;
}

/* ===== AI.TENSORGET ===== */

static void ai_reply_values(RedisModuleCtx *ctx, const ai_tensor *t) {
    RedisModule_ReplyWithArray(ctx, (long)t->nelems);
    for (size_t i = 0; i < t->nelems; i++) {
        switch (t->dtype->kind) {
        case AI_KIND_FLOAT:
            RedisModule_ReplyWithDouble(ctx, ai_tensor_get_double(t, i));
            break;
        case AI_KIND_STRING: {
            size_t len;
            const char *s = ai_tensor_get_string(t, i, &len);
            RedisModule_ReplyWithStringBuffer(ctx, s, len);
            break;
        }
        default:
            RedisModule_ReplyWithLongLong(ctx, ai_tensor_get_integer(t, i));
            break;
        }
    }
}

/* AI.TENSORGET key [META] [BLOB | VALUES] */
int ai_cmd_tensorget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleKey *key;
    const ai_tensor *t;
    int fmt = 0;

    RedisModule_AutoMemory(ctx);
    if (argc < 2 || argc > 4) return RedisModule_WrongArity(ctx);

    /* Key checks come before option checks. */
    key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY) return RedisModule_ReplyWithError(ctx, AI_ERR_KEY_EMPTY);
    if (RedisModule_ModuleTypeGetType(key) != ai_tensor_type)
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    t = RedisModule_ModuleTypeGetValue(key);

    /* Options in any order, repeats harmless; an unknown one is reported
     * before the BLOB/VALUES conflict. */
    if (argc == 2) fmt = AI_FMT_META | AI_FMT_BLOB;
    for (int i = 2; i < argc; i++) {
        if (ai_arg_is(argv[i], "META"))
            fmt |= AI_FMT_META;
        else if (ai_arg_is(argv[i], "BLOB"))
            fmt |= AI_FMT_BLOB;
        else if (ai_arg_is(argv[i], "VALUES"))
            fmt |= AI_FMT_VALUES;
        else
            return RedisModule_ReplyWithError(ctx, AI_ERR_FORMAT);
    }
    if ((fmt & AI_FMT_BLOB) && (fmt & AI_FMT_VALUES)) return RedisModule_ReplyWithError(ctx, AI_ERR_BLOB_AND_VALUES);

    if (!(fmt & AI_FMT_META)) {
        if (fmt & AI_FMT_BLOB) return RedisModule_ReplyWithStringBuffer(ctx, t->data, t->nbytes);
        ai_reply_values(ctx, t);
        return REDISMODULE_OK;
    }

    /* META: ["dtype", DTYPE, "shape", [dims...]] (+ "blob"/"values", data) */
    RedisModule_ReplyWithArray(ctx, (fmt & (AI_FMT_BLOB | AI_FMT_VALUES)) ? 6 : 4);
    RedisModule_ReplyWithCString(ctx, "dtype");
    RedisModule_ReplyWithCString(ctx, t->dtype->name);
    RedisModule_ReplyWithCString(ctx, "shape");
    RedisModule_ReplyWithArray(ctx, t->ndims);
    for (int i = 0; i < t->ndims; i++) RedisModule_ReplyWithLongLong(ctx, t->dims[i]);
    if (fmt & AI_FMT_BLOB) {
        RedisModule_ReplyWithCString(ctx, "blob");
        RedisModule_ReplyWithStringBuffer(ctx, t->data, t->nbytes);
    } else if (fmt & AI_FMT_VALUES) {
        RedisModule_ReplyWithCString(ctx, "values");
        ai_reply_values(ctx, t);
    }
    return REDISMODULE_OK;
}
