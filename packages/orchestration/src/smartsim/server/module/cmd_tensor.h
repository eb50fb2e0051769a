/*
 * cmd_tensor.h -- AI.TENSORSET and AI.TENSORGET command handlers.
 */
#ifndef AI_CMD_TENSOR_H
#define AI_CMD_TENSOR_H

#include "rmapi.h"

__attribute__((visibility("hidden"))) int ai_cmd_tensorset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_tensorget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_TENSOR_H */
