/*
 * cmd_tensor.h -- AI.TENSORSET and AI.TENSORGET command handlers.
 */
#ifndef AI_CMD_TENSOR_H
#define AI_CMD_TENSOR_H

#include "rmapi.h"

/* Command handlers. Called by the server on its main thread; argv is owned
 * by the server for the duration of the call. */
__attribute__((visibility("hidden"))) int ai_cmd_tensorset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_tensorget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_TENSOR_H */
