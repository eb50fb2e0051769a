/*
 * type_tensor.c -- the AI_TENSOR module data type: RDB, AOF, memory, free.
 *
 * A key of this type holds one reference to an ai_tensor (tensor.h).
 *
 * RDB layout, encoding version 4 (the RedisAI 1.2 layout, so RDB files and
 * DUMP payloads are interchangeable with it):
 *   unsigned  DLPack type code
 *   unsigned  DLPack bits
 *   signed    ndims
 *   signed    dim, ndims times
 *   string    the raw data bytes
 *   unsigned  start offset of each element (STRING tensors only)
 * Older RedisAI encodings (0..3) and newer ones are refused with a log line.
 *
 * AOF rewrite emits one "AI.TENSORSET <key> <DTYPE> <dims...> BLOB <data>".
 */
#include "type_tensor.h"

#include <limits.h>

#include "tensor.h"

RedisModuleType *ai_tensor_type = NULL;

/* ===== Type methods ===== */

/*
 * RDB save callback. Called by the server (main thread, or a fork child
 * for BGSAVE / AOF base) for SAVE, BGSAVE, DUMP, replication and DEBUG
 * RELOAD. value is the key's ai_tensor, still owned by the key.
 */
static void ai_tensor_rdb_save(RedisModuleIO *io, void *value) {
    const ai_tensor *t = value;

    RedisModule_SaveUnsigned(io, t->dtype->code);
    RedisModule_SaveUnsigned(io, t->dtype->bits);
    RedisModule_SaveSigned(io, t->ndims);
    for (int i = 0; i < t->ndims; i++) RedisModule_SaveSigned(io, t->dims[i]);
    RedisModule_SaveStringBuffer(io, t->data, t->nbytes);
    if (t->dtype->kind == AI_KIND_STRING) {
        for (size_t i = 0; i < t->nelems; i++) RedisModule_SaveUnsigned(io, t->offsets[i]);
    }
}

/*
 * RDB load callback. Called by the server on its main thread while loading
 * an RDB file, a full sync or RESTORE. Returns a tensor holding one
 * reference, which the server stores in the key (and later drops through
 * ai_tensor_free_value), or NULL after logging why. Every read is checked:
 * the module declares REDISMODULE_OPTIONS_HANDLE_IO_ERRORS, so a short read
 * (or a crafted RESTORE payload) fails the load instead of aborting.
 */
static void *ai_tensor_rdb_load(RedisModuleIO *io, int encver) {
    const ai_dtype *dtype;
    uint64_t code, bits;
    int64_t ndims;
    long long *dims = NULL;
    size_t cap = 0, len = 0;
    char *buf = NULL;
    const char *err = NULL;
    ai_tensor *t;

    if (encver != AI_TENSOR_ENCVER) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING,
                               "AI_TENSOR: unsupported encoding version %d (this module reads version %d only)",
                               encver, AI_TENSOR_ENCVER);
        return NULL;
    }

    code = RedisModule_LoadUnsigned(io);
    bits = RedisModule_LoadUnsigned(io);
    ndims = RedisModule_LoadSigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    dtype = ai_dtype_from_dlpack(code, bits);
    if (dtype == NULL) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI_TENSOR: unsupported data type (code %llu, bits %llu)",
                               (unsigned long long)code, (unsigned long long)bits);
        return NULL;
    }
    if (ndims < 0 || ndims > INT_MAX) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI_TENSOR: invalid number of dimensions %lld",
                               (long long)ndims);
        return NULL;
    }

    /* Grow the dims array as dims are actually read, so a corrupt ndims
     * cannot make us allocate more than the payload holds. */
    for (int64_t i = 0; i < ndims; i++) {
        int64_t d = RedisModule_LoadSigned(io);
        if (RedisModule_IsIOError(io)) goto ioerror;
        if (d <= 0) {
            RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI_TENSOR: invalid dimension %lld", (long long)d);
            goto fail;
        }
        if ((size_t)i == cap) {
            cap = cap ? cap * 2 : 8;
            if (cap > (size_t)ndims) cap = (size_t)ndims;
            dims = RedisModule_Realloc(dims, cap * sizeof(*dims));
        }
        dims[i] = d;
    }

    buf = RedisModule_LoadStringBuffer(io, &len);
    if (RedisModule_IsIOError(io) || buf == NULL) goto ioerror;

    /* Takes buf whatever the outcome. */
    t = ai_tensor_new_from_buffer(dtype, dims, (int)ndims, buf, len, &err);
    buf = NULL;
    if (t == NULL) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI_TENSOR: corrupt tensor data: %s", err);
        goto fail;
    }
    if (dtype->kind == AI_KIND_STRING) {
        /* Offsets are recomputed from the data; the stored ones must agree. */
        for (size_t i = 0; i < t->nelems; i++) {
            uint64_t off = RedisModule_LoadUnsigned(io);
            if (RedisModule_IsIOError(io)) {
                ai_tensor_release(t);
                goto ioerror;
            }
            if (off != t->offsets[i]) {
                RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING,
                                       "AI_TENSOR: corrupt STRING tensor: element offsets do not match the data");
                ai_tensor_release(t);
                goto fail;
            }
        }
    }
    if (dims != NULL) RedisModule_Free(dims);
    return t;

ioerror:
    RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI_TENSOR: short read while loading a tensor");
fail:
    if (buf != NULL) RedisModule_Free(buf);
    if (dims != NULL) RedisModule_Free(dims);
    return NULL;
}

/*
 * AOF rewrite callback. Called by the server in the AOF rewrite child for
 * each tensor key (without an RDB preamble). Emits one TENSORSET with the
 * raw data as BLOB; the strings made here are freed here.
 */
static void ai_tensor_aof_rewrite(RedisModuleIO *aof, RedisModuleString *key, void *value) {
    const ai_tensor *t = value;
    RedisModuleString *small[8];
    RedisModuleString **dims = small;

    if (t->ndims > (int)(sizeof(small) / sizeof(small[0]))) dims = RedisModule_Alloc((size_t)t->ndims * sizeof(*dims));
    for (int i = 0; i < t->ndims; i++) dims[i] = RedisModule_CreateStringFromLongLong(NULL, t->dims[i]);

    /* "v" takes an array of strings and its length, so any ndims fits
     * (none for a 0-d tensor). */
    RedisModule_EmitAOF(aof, "AI.TENSORSET", "scvcb", key, t->dtype->name, dims, (size_t)t->ndims, "BLOB", t->data,
                        t->nbytes);

    for (int i = 0; i < t->ndims; i++) RedisModule_FreeString(NULL, dims[i]);
    if (dims != small) RedisModule_Free(dims);
}

/* Memory usage callback (MEMORY USAGE, eviction accounting). Main thread.
 * The data of a BLOB tensor is counted once: it lives only in the retained
 * argument. */
static size_t ai_tensor_mem_usage_cb(const void *value) { return ai_tensor_mem_usage(value); }

/*
 * Free callback. Called by the server when the key's value is deleted or
 * overwritten: on the main thread, or on a background thread for lazy
 * frees such as FLUSHALL ASYNC. Drops the key's reference only; other
 * holders keep the tensor alive (the count is atomic for this reason).
 */
static void ai_tensor_free_value(void *value) { ai_tensor_release(value); }

/*
 * Copy callback (COPY src dst). Main thread. Tensors are immutable, so the copy is the same
 * value with one more reference: no payload bytes move.
 */
static void *ai_tensor_copy_value(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value) {
    return ai_tensor_retain((ai_tensor *)value);
}

/* ===== Registration ===== */

int ai_tensor_type_register(RedisModuleCtx *ctx) {
    RedisModuleTypeMethods tm = {
        .version = REDISMODULE_TYPE_METHOD_VERSION,
        .rdb_load = ai_tensor_rdb_load,
        .rdb_save = ai_tensor_rdb_save,
        .aof_rewrite = ai_tensor_aof_rewrite,
        .mem_usage = ai_tensor_mem_usage_cb,
        .free = ai_tensor_free_value,
        .copy = ai_tensor_copy_value,
    };

    ai_tensor_type = RedisModule_CreateDataType(ctx, AI_TENSOR_TYPE_NAME, AI_TENSOR_ENCVER, &tm);
    if (ai_tensor_type == NULL) {
        RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "could not create the %s data type", AI_TENSOR_TYPE_NAME);
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}
