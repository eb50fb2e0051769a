/*
 * config.c -- module configuration: load-time arguments and AI.CONFIG.
 *
 * Values and validity rules follow RedisAI 1.2 (its load-time arguments
 * and AI.CONFIG forms), so existing launch scripts and clients work
 * unchanged.
 *
 * Backends: in this project the TF / TFLITE / TORCH / ONNX backends run in
 * Python worker processes, not as shared objects loaded into the server.
 * BACKENDSPATH, LOADBACKEND and the per-backend load-time arguments are
 * therefore validated and recorded (for the worker side to consult), and
 * nothing is loaded here.
 */
#define _GNU_SOURCE /* dladdr */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ai_config ai_cfg;

#define AI_ERR_ARGUMENT "ERR error processing argument"

static const char *const ai_backend_names[AI_BACKEND_COUNT] = {"TF", "TFLITE", "TORCH", "ONNX"};

/* Load-time integer arguments and the smallest accepted value of each.
 * INTER/INTRA_OP_PARALLELISM and BACKEND_MEMORY_LIMIT reject 0 when given
 * explicitly (RedisAI does too), although 0 is their default. */
static const struct {
    const char *name;
    long long *value;
    long long min;
} ai_int_args[] = {
    {"THREADS_PER_QUEUE", &ai_cfg.threads_per_queue, 1},
    {"INTER_OP_PARALLELISM", &ai_cfg.inter_op_parallelism, 1},
    {"INTRA_OP_PARALLELISM", &ai_cfg.intra_op_parallelism, 1},
    {"MODEL_CHUNK_SIZE", &ai_cfg.model_chunk_size, 1},
    {"MODEL_EXECUTION_TIMEOUT", &ai_cfg.model_execution_timeout, 1000},
    {"BACKEND_MEMORY_LIMIT", &ai_cfg.backend_memory_limit, 1},
};

/* ===== Helpers ===== */

static int ai_str_is(RedisModuleString *s, const char *name) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(name) && strncasecmp(p, name, len) == 0;
}

/* Alloc'd NUL-terminated copy of len bytes. */
static char *ai_strndup(const char *p, size_t len) {
    char *s = RedisModule_Alloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/* Alloc'd "<dir>/<name>", or a copy of name when it is absolute. */
static char *ai_path_join(const char *dir, const char *name, size_t namelen) {
    size_t dirlen = strlen(dir);
    char *s;
    if (namelen > 0 && name[0] == '/') return ai_strndup(name, namelen);
    s = RedisModule_Alloc(dirlen + 1 + namelen + 1);
    memcpy(s, dir, dirlen);
    s[dirlen] = '/';
    memcpy(s + dirlen + 1, name, namelen);
    s[dirlen + 1 + namelen] = '\0';
    return s;
}

static void ai_set_backends_path(const char *p, size_t len) {
    if (ai_cfg.backends_path != NULL) RedisModule_Free(ai_cfg.backends_path);
    ai_cfg.backends_path = ai_strndup(p, len);
}

/* "<directory of this module's .so>/backends", like RedisAI's default. */
static void ai_set_default_backends_path(void) {
    Dl_info info;
    char resolved[PATH_MAX];
    const char *so = NULL, *slash;

    if (dladdr((void *)ai_set_default_backends_path, &info) != 0 && info.dli_fname != NULL &&
        info.dli_fname[0] != '\0') {
        so = info.dli_fname;
        if (so[0] != '/' && realpath(so, resolved) != NULL) so = resolved;
    }
    slash = so ? strrchr(so, '/') : NULL;
    if (slash == NULL) {
        ai_set_backends_path("backends", strlen("backends"));
        return;
    }
    char *dir = ai_strndup(so, (size_t)(slash - so));
    if (ai_cfg.backends_path != NULL) RedisModule_Free(ai_cfg.backends_path);
    ai_cfg.backends_path = ai_path_join(dir, "backends", strlen("backends"));
    RedisModule_Free(dir);
}

/* Index of a backend name (case-insensitive), or -1. */
static int ai_backend_index(RedisModuleString *name) {
    for (int i = 0; i < AI_BACKEND_COUNT; i++) {
        if (ai_str_is(name, ai_backend_names[i])) return i;
    }
    return -1;
}

/* Record a backend path, relative paths resolved against BACKENDSPATH. */
static void ai_record_backend(int backend, RedisModuleString *path) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(path, &len);
    if (ai_cfg.backend_path[backend] != NULL) RedisModule_Free(ai_cfg.backend_path[backend]);
    ai_cfg.backend_path[backend] = ai_path_join(ai_cfg.backends_path, p, len);
}

static int ai_set_model_chunk_size(RedisModuleString *value) {
    long long v;
    if (RedisModule_StringToLongLong(value, &v) != REDISMODULE_OK || v <= 0) return REDISMODULE_ERR;
    ai_cfg.model_chunk_size = v;
    return REDISMODULE_OK;
}

/* ===== Load-time arguments ===== */

void ai_config_free(void) {
    if (ai_cfg.backends_path != NULL) RedisModule_Free(ai_cfg.backends_path);
    for (int i = 0; i < AI_BACKEND_COUNT; i++) {
        if (ai_cfg.backend_path[i] != NULL) RedisModule_Free(ai_cfg.backend_path[i]);
    }
    memset(&ai_cfg, 0, sizeof(ai_cfg));
}

/* Apply one KEY VALUE pair (BACKENDSPATH is applied before all others). */
static int ai_config_apply_arg(RedisModuleString *key, RedisModuleString *value) {
    int backend;

    if (ai_str_is(key, "BACKENDSPATH")) return REDISMODULE_OK;
    backend = ai_backend_index(key);
    if (backend >= 0) {
        ai_record_backend(backend, value);
        return REDISMODULE_OK;
    }
    for (size_t i = 0; i < sizeof(ai_int_args) / sizeof(ai_int_args[0]); i++) {
        long long v;
        if (!ai_str_is(key, ai_int_args[i].name)) continue;
        if (RedisModule_StringToLongLong(value, &v) != REDISMODULE_OK || v < ai_int_args[i].min)
            return REDISMODULE_ERR;
        *ai_int_args[i].value = v;
        return REDISMODULE_OK;
    }
    return REDISMODULE_ERR; /* unknown key */
}

int ai_config_load(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    memset(&ai_cfg, 0, sizeof(ai_cfg));
    ai_cfg.threads_per_queue = AI_CONFIG_DEFAULT_THREADS_PER_QUEUE;
    ai_cfg.model_chunk_size = AI_CONFIG_DEFAULT_MODEL_CHUNK_SIZE;
    ai_cfg.model_execution_timeout = AI_CONFIG_DEFAULT_MODEL_EXECUTION_TIMEOUT;
    ai_set_default_backends_path();

    if (argc % 2 != 0) {
        const char *last = RedisModule_StringPtrLen(argv[argc - 1], NULL);
        RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "%s: %s (arguments must be KEY VALUE pairs)",
                        AI_ERR_ARGUMENT, last);
        ai_config_free();
        return REDISMODULE_ERR;
    }
    /* BACKENDSPATH first, wherever it appears: backend paths depend on it. */
    for (int i = 0; i < argc; i += 2) {
        if (ai_str_is(argv[i], "BACKENDSPATH")) {
            size_t len;
            const char *p = RedisModule_StringPtrLen(argv[i + 1], &len);
            ai_set_backends_path(p, len);
        }
    }
    for (int i = 0; i < argc; i += 2) {
        if (ai_config_apply_arg(argv[i], argv[i + 1]) != REDISMODULE_OK) {
            RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "%s: %s %s", AI_ERR_ARGUMENT,
                            RedisModule_StringPtrLen(argv[i], NULL), RedisModule_StringPtrLen(argv[i + 1], NULL));
            ai_config_free();
            return REDISMODULE_ERR;
        }
    }
    return REDISMODULE_OK;
}

/* ===== AI.CONFIG ===== */

/* AI.CONFIG GET <BACKENDSPATH | MODEL_CHUNK_SIZE | other> */
static int ai_config_get(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    if (ai_str_is(argv[2], "BACKENDSPATH")) return RedisModule_ReplyWithCString(ctx, ai_cfg.backends_path);
    if (ai_str_is(argv[2], "MODEL_CHUNK_SIZE")) return RedisModule_ReplyWithLongLong(ctx, ai_cfg.model_chunk_size);
    return RedisModule_ReplyWithNull(ctx);
}

/* AI.CONFIG <BACKENDSPATH path | LOADBACKEND backend path | MODEL_CHUNK_SIZE bytes | GET name> */
int ai_cmd_config(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 2) return RedisModule_WrongArity(ctx);

    if (ai_str_is(argv[1], "LOADBACKEND")) {
        int backend;
        if (argc < 4) return RedisModule_WrongArity(ctx);
        backend = ai_backend_index(argv[2]);
        if (backend < 0) return RedisModule_ReplyWithError(ctx, "ERR unsupported backend");
        /* Recorded for the workers; nothing is loaded into the server. */
        ai_record_backend(backend, argv[3]);
        return RedisModule_ReplyWithSimpleString(ctx, "OK");
    }
    if (ai_str_is(argv[1], "BACKENDSPATH")) {
        size_t len;
        const char *p;
        if (argc < 3) return RedisModule_ReplyWithError(ctx, "ERR BACKENDSPATH: missing path argument");
        p = RedisModule_StringPtrLen(argv[2], &len);
        ai_set_backends_path(p, len);
        return RedisModule_ReplyWithSimpleString(ctx, "OK");
    }
    if (ai_str_is(argv[1], "MODEL_CHUNK_SIZE")) {
        if (argc < 3) return RedisModule_ReplyWithError(ctx, "ERR MODEL_CHUNK_SIZE: missing chunk size");
        if (ai_set_model_chunk_size(argv[2]) != REDISMODULE_OK)
            return RedisModule_ReplyWithError(ctx, "ERR MODEL_CHUNK_SIZE: invalid chunk size");
        return RedisModule_ReplyWithSimpleString(ctx, "OK");
    }
    if (ai_str_is(argv[1], "GET")) return ai_config_get(ctx, argv, argc);
    return RedisModule_ReplyWithError(ctx, "ERR unsupported subcommand");
}
