/*
 * type_script.c -- the AI_SCRIPT module data type: RDB, AOF, memory, free.
 *
 * A key of this type holds one reference to an AIScript (script.h).
 *
 * RDB layout, encoding version 4 (the RedisAI 1.2 layout):
 *   string    device, including its trailing NUL
 *   string    tag
 *   string    source, including its trailing NUL
 *   unsigned  number of entry points, then each name including its trailing NUL
 * RedisAI compiles the script on load; here it is only stored (workers compile it). Other
 * encoding versions are refused with a log line.
 *
 * AOF rewrite emits "AI.SCRIPTSTORE <key> <device> TAG <tag> ENTRY_POINTS <n> <name>... SOURCE
 * <src>", or "AI.SCRIPTSET <key> <device> TAG <tag> SOURCE <src>" for a script without entry
 * points (RedisAI emits an unreplayable SCRIPTSTORE there).
 */
#include "type_script.h"

#include <string.h>

#include "script.h"

RedisModuleType *ai_script_type = NULL;

/* ===== Type methods ===== */

/*
 * RDB save callback. Called by the server (main thread, or a fork child for BGSAVE / AOF base)
 * for SAVE, BGSAVE, DUMP, replication and DEBUG RELOAD. value is the key's script, still owned
 * by the key.
 */
static void ai_script_rdb_save(RedisModuleIO *io, void *value) {
    const AIScript *s = value;
    const char *device = ai_script_device(s), *src;
    size_t srclen;

    src = ai_script_source(s, &srclen);
    RedisModule_SaveStringBuffer(io, device, strlen(device) + 1);
    RedisModule_SaveStringBuffer(io, ai_script_tag(s), ai_script_tag_len(s));
    RedisModule_SaveStringBuffer(io, src, srclen + 1); /* the source buffer ends with a NUL */
    RedisModule_SaveUnsigned(io, ai_script_nentry_points(s));
    for (size_t i = 0; i < ai_script_nentry_points(s); i++) {
        const char *ep = ai_script_entry_point(s, i);
        RedisModule_SaveStringBuffer(io, ep, strlen(ep) + 1);
    }
}

/* Read one string whose trailing NUL, when present, is not part of the value. NULL on a short
 * read; the caller frees the buffer. */
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
 * sync or RESTORE. Returns a published script holding one reference, which the server stores in
 * the key (and later drops through ai_script_free_value), or NULL after logging why.
 */
static void *ai_script_rdb_load(RedisModuleIO *io, int encver) {
    char *device = NULL, *tag = NULL, *src = NULL, *ep;
    size_t devlen, taglen, srclen, len;
    uint64_t n;
    AIScript *s = NULL;
    const RedisModuleString *keyname;

    if (encver != AI_SCRIPT_ENCVER) {
        RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING,
                               "AI_SCRIPT: unsupported encoding version %d (this module reads version %d only)",
                               encver, AI_SCRIPT_ENCVER);
        return NULL;
    }
    if ((device = ai_load_cstring(io, &devlen)) == NULL) goto ioerror;
    tag = RedisModule_LoadStringBuffer(io, &taglen);
    if (RedisModule_IsIOError(io) || tag == NULL) goto ioerror;
    if ((src = ai_load_cstring(io, &srclen)) == NULL) goto ioerror;
    s = ai_script_new(device, devlen, tag, taglen, src, srclen);
    RedisModule_Free(device);
    RedisModule_Free(tag);
    RedisModule_Free(src);
    device = tag = src = NULL;

    n = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io)) goto ioerror;
    for (uint64_t i = 0; i < n; i++) {
        if ((ep = ai_load_cstring(io, &len)) == NULL) goto ioerror;
        ai_script_add_entry_point(s, ep, len);
        RedisModule_Free(ep);
    }

    keyname = RedisModule_GetKeyNameFromIO != NULL ? RedisModule_GetKeyNameFromIO(io) : NULL;
    if (keyname != NULL) {
        const char *k = RedisModule_StringPtrLen(keyname, &len);
        ai_script_publish(s, k, len);
    } else {
        ai_script_publish(s, NULL, 0);
    }
    return s;

ioerror:
    RedisModule_LogIOError(io, REDISMODULE_LOGLEVEL_WARNING, "AI_SCRIPT: short read while loading a script");
    if (device != NULL) RedisModule_Free(device);
    if (tag != NULL) RedisModule_Free(tag);
    if (src != NULL) RedisModule_Free(src);
    ai_script_release(s);
    return NULL;
}

/*
 * AOF rewrite callback. Called by the server in the AOF rewrite child for each script key
 * (without an RDB preamble). The strings made here are freed here.
 */
static void ai_script_aof_rewrite(RedisModuleIO *aof, RedisModuleString *key, void *value) {
    const AIScript *s = value;
    size_t srclen, n = ai_script_nentry_points(s);
    const char *src = ai_script_source(s, &srclen);
    RedisModuleString **eps;

    if (n == 0) {
        RedisModule_EmitAOF(aof, "AI.SCRIPTSET", "sccbcb", key, ai_script_device(s), "TAG", ai_script_tag(s),
                            ai_script_tag_len(s), "SOURCE", src, srclen);
        return;
    }
    eps = RedisModule_Alloc(n * sizeof(*eps));
    for (size_t i = 0; i < n; i++)
        eps[i] = RedisModule_CreateString(NULL, ai_script_entry_point(s, i), strlen(ai_script_entry_point(s, i)));
    RedisModule_EmitAOF(aof, "AI.SCRIPTSTORE", "sccbclvcb", key, ai_script_device(s), "TAG", ai_script_tag(s),
                        ai_script_tag_len(s), "ENTRY_POINTS", (long long)n, eps, n, "SOURCE", src, srclen);
    for (size_t i = 0; i < n; i++) RedisModule_FreeString(NULL, eps[i]);
    RedisModule_Free(eps);
}

/* Memory usage callback (MEMORY USAGE, eviction accounting). Main thread. */
static size_t ai_script_mem_usage_cb(const void *value) { return ai_script_mem_usage(value); }

/*
 * Free callback. Called by the server when the key's value is deleted or overwritten: on the main
 * thread, or on a background thread for lazy frees such as FLUSHALL ASYNC. Drops the key's
 * reference only; queued jobs keep the script alive.
 */
static void ai_script_free_value(void *value) { ai_script_release(value); }

/*
 * Copy callback (COPY src dst). Main thread. A new script with the same device, tag, source and
 * entry points, its own version and AI.INFO entry under the destination key. Owned by the server.
 */
static void *ai_script_copy_value(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value) {
    const AIScript *source = value;
    size_t srclen, keylen;
    const char *text = ai_script_source(source, &srclen);
    const char *device = ai_script_device(source);
    AIScript *copy = ai_script_new(device, strlen(device), ai_script_tag(source), ai_script_tag_len(source), text,
                                   srclen);
    for (size_t i = 0; i < ai_script_nentry_points(source); i++)
        ai_script_add_entry_point(copy, ai_script_entry_point(source, i), strlen(ai_script_entry_point(source, i)));
    const char *key = RedisModule_StringPtrLen(tokey, &keylen);
    ai_script_publish(copy, key, keylen);
    return copy;
}

/* ===== Registration ===== */

int ai_script_type_register(RedisModuleCtx *ctx) {
    RedisModuleTypeMethods tm = {
        .version = REDISMODULE_TYPE_METHOD_VERSION,
        .rdb_load = ai_script_rdb_load,
        .rdb_save = ai_script_rdb_save,
        .aof_rewrite = ai_script_aof_rewrite,
        .mem_usage = ai_script_mem_usage_cb,
        .free = ai_script_free_value,
        .copy = ai_script_copy_value,
    };

    ai_script_type = RedisModule_CreateDataType(ctx, AI_SCRIPT_TYPE_NAME, AI_SCRIPT_ENCVER, &tm);
    if (ai_script_type == NULL) {
        RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "could not create the %s data type", AI_SCRIPT_TYPE_NAME);
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}
