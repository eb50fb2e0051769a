/*
 * type_model.h -- the AI__MODEL module data type (keyspace values).
 */
#ifndef AI_TYPE_MODEL_H
#define AI_TYPE_MODEL_H

#include "rmapi.h"

/* Name shown by TYPE (exactly 9 characters, two underscores) and RDB encoding version; both
 * are part of the persisted format (the module type id in RDB files and DUMP payloads). */
#define AI_MODEL_TYPE_NAME "AI__MODEL"
#define AI_MODEL_ENCVER 4

/* The registered type; NULL until ai_model_type_register() succeeded. */
extern __attribute__((visibility("hidden"))) RedisModuleType *ai_model_type;

/* Register the data type. Called once from RedisModule_OnLoad (main thread). Returns
 * REDISMODULE_OK or REDISMODULE_ERR (already logged). */
__attribute__((visibility("hidden"))) int ai_model_type_register(RedisModuleCtx *ctx);

#endif /* AI_TYPE_MODEL_H */
