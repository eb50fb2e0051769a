/*
 * type_script.h -- the AI_SCRIPT module data type (keyspace values).
 */
#ifndef AI_TYPE_SCRIPT_H
#define AI_TYPE_SCRIPT_H

#include "rmapi.h"

/* Name shown by TYPE (exactly 9 characters) and RDB encoding version; both
 * are part of the persisted format (the module type id in RDB files and DUMP payloads). */
#define AI_SCRIPT_TYPE_NAME "AI_SCRIPT"
#define AI_SCRIPT_ENCVER 4

/* The registered type; NULL until ai_script_type_register() succeeded. */
extern __attribute__((visibility("hidden"))) RedisModuleType *ai_script_type;

/* Register the data type. Called once from RedisModule_OnLoad (main thread). Returns
 * REDISMODULE_OK or REDISMODULE_ERR (already logged). */
__attribute__((visibility("hidden"))) int ai_script_type_register(RedisModuleCtx *ctx);

#endif /* AI_TYPE_SCRIPT_H */
