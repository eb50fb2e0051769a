/*
 * type_model.c -- the AI__MODEL module data type: RDB, AOF, memory, free.
 *
 * A key of this type holds one reference to an AIModel (model.h).
 *
 * RDB layout, encoding version 4 (the RedisAI 1.2 layout, so RDB files and DUMP payloads are
 * interchangeable with it):
 *   unsigned  backend code (TF=0, TFLITE=1, TORCH=2, ONNX=3)
 *   string    device, including its trailing NUL
 *   string    tag
 *   unsigned  batchsize, minbatchsize, minbatchtimeout
 *   unsigned  ninputs, then each input name including its trailing NUL
 *   unsigned  noutputs, then each output name including its trailing NUL
 *   unsigned  total payload length L
 *   unsigned  chunk count, floor(L / MODEL_CHUNK_SIZE) + 1
 *   string    each chunk (MODEL_CHUNK_SIZE bytes, the last one L mod MODEL_CHUNK_SIZE)
 * RedisAI re-creates the backend model on load; here the payload is only stored (workers load
 * it). Other encoding versions are refused with a log line.
 *
 * AOF rewrite emits one "AI.MODELSTORE <key> <backend> <device> TAG <tag> BATCHSIZE <n>
 * MINBATCHSIZE <m> MINBATCHTIMEOUT <t> [INPUTS <n> <name>... OUTPUTS <m> <name>...] BLOB
 * <chunk>...", INPUTS/OUTPUTS for TF only, chunks of MODEL_CHUNK_SIZE bytes.
 */
#include "type_model.h"

#include <string.h>

#include "config.h"
#include "model.h"

RedisModuleType *ai_model_type = NULL;

/* Chunk count and size for a payload of len bytes (reference 3.3 / 11.1). */
static size_t ai_model_chunk_size(void) {
    return ai_cfg.model_chunk_size > 0 ? (size_t)ai_cfg.model_chunk_size : (size_t)AI_CONFIG_DEFAULT_MODEL_CHUNK_SIZE;
}

/* ===== Type methods ===== */

/*
 * RDB save callback. Called by the server (main thread, or a fork child for BGSAVE / AOF base)
 * for SAVE, BGSAVE, DUMP, replication and DEBUG RELOAD. value is the key's model, still owned by
 * the key.
 */
static void ai_model_rdb_save(RedisModuleIO *io, void *value) {
    const AIModel *m = value;
    const char *device = ai_model_device(m), *blob;
    size_t len, chunk = ai_model_chunk_size(), nchunks;

    RedisModule_SaveUnsigned(io, (uint64_t)ai_model_backend(m));
    RedisModule_SaveStringBuffer(io, device, strlen(device) + 1);
    RedisModule_SaveStringBuffer(io, ai_model_tag(m), ai_model_tag_len(m));
    RedisModule_SaveUnsigned(io, (uint64_t)ai_model_batchsize(m));
    RedisModule_SaveUnsigned(io, (uint64_t)ai_model_minbatchsize(m));
    RedisModule_SaveUnsigned(io, (uint64_t)ai_model_minbatchtimeout(m));
    RedisModule_SaveUnsigned(io, ai_model_ninputs(m));
    for (size_t i = 0; i < ai_model_ninputs(m); i++)
        RedisModule_SaveStringBuffer(io, ai_model_input(m, i), strlen(ai_model_input(m, i)) + 1);
    RedisModule_SaveUnsigned(io, ai_model_noutputs(m));
    for (size_t i = 0; i < ai_model_noutputs(m); i++)
        RedisModule_SaveStringBuffer(io, ai_model_output(m, i), strlen(ai_model_output(m, i)) + 1);

    blob = ai_model_blob(m, &len);
    nchunks = len / chunk + 1;
    RedisModule_SaveUnsigned(io, len);
    RedisModule_SaveUnsigned(io, nchunks);
    for (size_t i = 0; i < nchunks; i++) {
        size_t off = i * chunk;
        RedisModule_SaveStringBuffer(io, blob + off, len - off < chunk ? len - off : chunk);
    }
}

/* Read one NUL-terminated string (the NUL is optional on input). Returns the Alloc'd buffer and
 * its length without the NUL, or NULL on a short read. */
static char *ai_load_cstring(RedisModuleIO *io, size_t *len) {
    char *s = RedisModule_LoadStringBuffer(io, len);
    if (RedisModule_IsIOError(io) || s == NULL) {
        if (s != NULL) RedisModule_Free(s);
        return NULL;
    }
    if (*len > 0 && s[*len - 1] == '\0') (*len)--;
    return s;
}

/*
 * RDB load callback. Called by the server on its main thread while loading an RDB file, a full
 * sync or RESTORE. Returns a published model holding one reference, which the server stores in
 * the key (and later drops through ai_model_free_value), or NULL after logging why. Every read is
 * checked (REDISMODULE_OPTIONS_HANDLE_IO_ERRORS); counts are never trusted for allocations.
 */
static void *ai_model_rdb_load(RedisModuleIO *io, int encver) {
    uint64_t backend, batch, minbatch, mintimeout, n, total, nchunks;
    char *device = NULL, *tag = NULL, *s, *buf = NULL;
    size_t devlen, taglen, len, have = 0, cap = 0;
    AIModel *m = NULL;
    const RedisModuleString *keyname;

    if (encver != AI_MODEL_ENCVER) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING,
                               "AI__MODEL: unsupported encoding version %d (this module reads version %d only)",
                               encver, AI_MODEL_ENCVER);
        return NULL;
    }

    backend = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    if (backend >= AI_BACKEND_COUNT) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI__MODEL: unsupported backend code %llu",
                               (unsigned long long)backend);
        return NULL;
    }
    if ((device = ai_load_cstring(io, &devlen)) == NULL) goto ioerror;
    tag = RedisModule_LoadStringBuffer(io, &taglen);
    if (RedisModule_IsIOError(io) || tag == NULL) goto ioerror;
    batch = RedisModule_LoadUnsigned(io);
    minbatch = RedisModule_LoadUnsigned(io);
    mintimeout = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    if (batch > (uint64_t)INT64_MAX || minbatch > (uint64_t)INT64_MAX || mintimeout > (uint64_t)INT64_MAX) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI__MODEL: invalid batching parameters");
        goto fail;
    }

    m = ai_model_new((AIBackend)backend, device, devlen, tag, taglen, (long long)batch, (long long)minbatch,
                     (long long)mintimeout);
    RedisModule_Free(device);
    RedisModule_Free(tag);
    device = tag = NULL;

    n = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    for (uint64_t i = 0; i < n; i++) {
        if ((s = ai_load_cstring(io, &len)) == NULL) goto ioerror;
        ai_model_add_input(m, s, len);
        RedisModule_Free(s);
    }
    n = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    for (uint64_t i = 0; i < n; i++) {
        if ((s = ai_load_cstring(io, &len)) == NULL) goto ioerror;
        ai_model_add_output(m, s, len);
        RedisModule_Free(s);
    }

    /* Chunks are appended to the first one, so a one-chunk payload is never copied; the buffer
     * grows with what was actually read, not with the stored total. */
    total = RedisModule_LoadUnsigned(io);
    nchunks = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    for (uint64_t i = 0; i < nchunks; i++) {
        s = RedisModule_LoadStringBuffer(io, &len);
        if (RedisModule_IsIOError(io) || s == NULL) {
            if (s != NULL) RedisModule_Free(s);
            goto ioerror;
        }
        if (buf == NULL) {
            buf = s;
            have = cap = len;
            continue;
        }
        if (len > 0) {
            if (have + len > cap) {
                cap = have + len > cap * 2 ? have + len : cap * 2;
                buf = RedisModule_Realloc(buf, cap);
            }
            memcpy(buf + have, s, len);
            have += len;
        }
        RedisModule_Free(s);
    }
    if (have != total) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING,
                               "AI__MODEL: corrupt payload (%zu bytes in the chunks, %llu expected)", have,
                               (unsigned long long)total);
        goto fail;
    }
    ai_model_set_blob_buffer(m, buf, have);
    buf = NULL;

    keyname = RedisModule_GetKeyNameFromIO != NULL ? RedisModule_GetKeyNameFromIO(io) : NULL;
    if (keyname != NULL) {
        const char *k = RedisModule_StringPtrLen(keyname, &len);
        ai_model_publish(m, k, len);
    } else {
        ai_model_publish(m, NULL, 0);
    }
    return m;

ioerror:
    RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI__MODEL: short read while loading a model");
fail:
    if (device != NULL) RedisModule_Free(device);
    if (tag != NULL) RedisModule_Free(tag);
    if (buf != NULL) RedisModule_Free(buf);
    ai_model_release(m);
    return NULL;
}

/*
 * AOF rewrite callback. Called by the server in the AOF rewrite child for each model key (without
 * an RDB preamble). Emits one MODELSTORE; the strings made here are freed here.
 */
static void ai_model_aof_rewrite(RedisModuleIO *aof, RedisModuleString *key, void *value) {
    const AIModel *m = value;
    const char *blob;
    size_t len, chunk = ai_model_chunk_size(), nchunks, nin = ai_model_ninputs(m), nout = ai_model_noutputs(m);
    RedisModuleString **chunks, **ins = NULL, **outs = NULL;

    blob = ai_model_blob(m, &len);
    nchunks = len / chunk + 1;
    /* The last chunk is dropped when empty (unless it is the only one): MODELSTORE concatenates
     * the chunks, so the replayed payload is the same. */
    if (nchunks > 1 && len % chunk == 0) nchunks--;
    chunks = RedisModule_Alloc(nchunks * sizeof(*chunks));
    for (size_t i = 0; i < nchunks; i++) {
        size_t off = i * chunk;
        chunks[i] = RedisModule_CreateString(NULL, blob + off, len - off < chunk ? len - off : chunk);
    }

    if (ai_model_backend(m) == AI_BACKEND_TF) {
        ins = RedisModule_Alloc((nin ? nin : 1) * sizeof(*ins));
        outs = RedisModule_Alloc((nout ? nout : 1) * sizeof(*outs));
        for (size_t i = 0; i < nin; i++)
            ins[i] = RedisModule_CreateString(NULL, ai_model_input(m, i), strlen(ai_model_input(m, i)));
        for (size_t i = 0; i < nout; i++)
            outs[i] = RedisModule_CreateString(NULL, ai_model_output(m, i), strlen(ai_model_output(m, i)));
        RedisModule_EmitAOF(aof, "AI.MODELSTORE", "scccbclclclclvclvcv", key, ai_backend_name(ai_model_backend(m)),
                            ai_model_device(m), "TAG", ai_model_tag(m), ai_model_tag_len(m), "BATCHSIZE",
                            ai_model_batchsize(m), "MINBATCHSIZE", ai_model_minbatchsize(m), "MINBATCHTIMEOUT",
                            ai_model_minbatchtimeout(m), "INPUTS", (long long)nin, ins, nin, "OUTPUTS",
                            (long long)nout, outs, nout, "BLOB", chunks, nchunks);
        for (size_t i = 0; i < nin; i++) RedisModule_FreeString(NULL, ins[i]);
        for (size_t i = 0; i < nout; i++) RedisModule_FreeString(NULL, outs[i]);
        RedisModule_Free(ins);
        RedisModule_Free(outs);
    } else {
        RedisModule_EmitAOF(aof, "AI.MODELSTORE", "scccbclclclcv", key, ai_backend_name(ai_model_backend(m)),
                            ai_model_device(m), "TAG", ai_model_tag(m), ai_model_tag_len(m), "BATCHSIZE",
                            ai_model_batchsize(m), "MINBATCHSIZE", ai_model_minbatchsize(m), "MINBATCHTIMEOUT",
                            ai_model_minbatchtimeout(m), "BLOB", chunks, nchunks);
    }
    for (size_t i = 0; i < nchunks; i++) RedisModule_FreeString(NULL, chunks[i]);
    RedisModule_Free(chunks);
}

/* Memory usage callback (MEMORY USAGE, eviction accounting). Main thread. */
static size_t ai_model_mem_usage_cb(const void *value) { return ai_model_mem_usage(value); }

/*
 * Free callback. Called by the server when the key's value is deleted or overwritten: on the main
 * thread, or on a background thread for lazy frees such as FLUSHALL ASYNC. Drops the key's
 * reference only; queued jobs keep the model alive.
 */
static void ai_model_free_value(void *value) { ai_model_release(value); }

/*
 * Copy callback (COPY src dst). Main thread. The copy is a new model with the same properties and
 * payload, its own version and its own AI.INFO entry under the destination key, as if it had been
 * stored there. Returns the new value, owned by the server.
 */
static void *ai_model_copy_value(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value) {
    const AIModel *source = value;
    size_t devlen = strlen(ai_model_device(source)), bloblen, keylen;
    const char *blob = ai_model_blob(source, &bloblen);
    AIModel *copy = ai_model_new(ai_model_backend(source), ai_model_device(source), devlen, ai_model_tag(source),
                                 ai_model_tag_len(source), ai_model_batchsize(source), ai_model_minbatchsize(source),
                                 ai_model_minbatchtimeout(source));
    for (size_t i = 0; i < ai_model_ninputs(source); i++)
        ai_model_add_input(copy, ai_model_input(source, i), strlen(ai_model_input(source, i)));
    for (size_t i = 0; i < ai_model_noutputs(source); i++)
        ai_model_add_output(copy, ai_model_output(source, i), strlen(ai_model_output(source, i)));
    char *buffer = NULL;
    if (bloblen > 0) {
        buffer = RedisModule_Alloc(bloblen);
        memcpy(buffer, blob, bloblen);
    }
    ai_model_set_blob_buffer(copy, buffer, bloblen);
    const char *key = RedisModule_StringPtrLen(tokey, &keylen);
    ai_model_publish(copy, key, keylen);
    return copy;
}

/* ===== Registration ===== */

int ai_model_type_register(RedisModuleCtx *ctx) {
    RedisModuleTypeMethods tm = {
        .version = REDISMODULE_TYPE_METHOD_VERSION,
        .rdb_load = ai_model_rdb_load,
        .rdb_save = ai_model_rdb_save,
        .aof_rewrite = ai_model_aof_rewrite,
        .mem_usage = ai_model_mem_usage_cb,
        .free = ai_model_free_value,
        .copy = ai_model_copy_value,
    };

    ai_model_type = RedisModule_CreateDataType(ctx, AI_MODEL_TYPE_NAME, AI_MODEL_ENCVER, &tm);
    if (ai_model_type == NULL) {
        RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "could not create the %s data type", AI_MODEL_TYPE_NAME);
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}
