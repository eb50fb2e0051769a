/*
 * cmd_model.h -- AI.MODELSTORE, AI.MODELSET, AI.MODELGET, AI.MODELDEL and AI._MODELSCAN handlers.
 */
#ifndef AI_CMD_MODEL_H
#define AI_CMD_MODEL_H

#include "rmapi.h"

/* Command handlers. Called by the server on its main thread; argv is owned by the server for the
 * duration of the call. */
__attribute__((visibility("hidden"))) int ai_cmd_modelstore(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_modelset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_modelget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_modeldel(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_modelscan(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_MODEL_H */
