/*
 * type_tensor.h -- the AI_TENSOR module data type (keyspace values).
 */
#ifndef AI_TYPE_TENSOR_H
#define AI_TYPE_TENSOR_H

#include "rmapi.h"

/* Name shown by TYPE (exactly 9 characters) and RDB encoding version.
 * Both are part of the persisted format: the 64-bit module type id in RDB
 * files and DUMP payloads is derived from them. */
#define AI_TENSOR_TYPE_NAME "AI_TENSOR"
#define AI_TENSOR_ENCVER 4

/* The registered type; NULL until ai_tensor_type_register() succeeded. */
extern __attribute__((visibility("hidden"))) RedisModuleType *ai_tensor_type;

/* Register the data type. Called once from RedisModule_OnLoad (main
 * thread). Returns REDISMODULE_OK or REDISMODULE_ERR (already logged). */
__attribute__((visibility("hidden"))) int ai_tensor_type_register(RedisModuleCtx *ctx);

#endif /* AI_TYPE_TENSOR_H */
