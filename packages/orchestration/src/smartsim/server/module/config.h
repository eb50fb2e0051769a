/*
 * config.h -- module configuration: load-time arguments and AI.CONFIG.
 *
 * All values are read and written on the server's main thread only.
 */
#ifndef AI_CONFIG_H
#define AI_CONFIG_H

#include "rmapi.h"

#define AI_CONFIG_DEFAULT_MODEL_CHUNK_SIZE (511LL * 1024 * 1024) /* 535822336 bytes */
#define AI_CONFIG_DEFAULT_THREADS_PER_QUEUE 1LL
#define AI_CONFIG_DEFAULT_MODEL_EXECUTION_TIMEOUT 5000LL /* ms */

/* Backends named by LOADBACKEND and by the TF/TFLITE/TORCH/ONNX load-time
 * arguments (the index is also the RDB backend code of a model). */
typedef enum ai_backend {
    AI_BACKEND_TF = 0,
    AI_BACKEND_TFLITE = 1,
    AI_BACKEND_TORCH = 2,
    AI_BACKEND_ONNX = 3,
    AI_BACKEND_COUNT
} ai_backend;

typedef struct ai_config {
    char *backends_path;                  /* Alloc'd; default "<dir of the module .so>/backends" */
    char *backend_path[AI_BACKEND_COUNT]; /* Alloc'd or NULL; relative paths joined to backends_path */
    long long threads_per_queue;          /* > 0 */
    long long inter_op_parallelism;       /* 0 = backend default, else > 0 */
    long long intra_op_parallelism;       /* 0 = backend default, else > 0 */
    long long model_chunk_size;           /* > 0 */
    long long model_execution_timeout;    /* >= 1000 ms */
    long long backend_memory_limit;       /* MB; 0 = unlimited, else > 0 */
} ai_config;

/* The live configuration (read-only outside config.c). */
extern __attribute__((visibility("hidden"))) ai_config ai_cfg;

/*
 * Set the defaults, then apply the module's load-time arguments
 * (loadmodule <so> KEY VALUE ...). Called once from RedisModule_OnLoad.
 * Returns REDISMODULE_ERR after logging "ERR error processing argument:
 * KEY VAL" for an odd count, an unknown key or an invalid value.
 */
__attribute__((visibility("hidden"))) int ai_config_load(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

/* Free the configuration's strings. Called by RedisModule_OnLoad when the
 * load fails after ai_config_load (the server then unloads the module). */
__attribute__((visibility("hidden"))) void ai_config_free(void);

/* AI.CONFIG command handler. Called by the server on its main thread;
 * argv is owned by the server. */
__attribute__((visibility("hidden"))) int ai_cmd_config(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CONFIG_H */
