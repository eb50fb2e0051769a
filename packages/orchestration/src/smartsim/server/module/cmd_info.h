/*
 * cmd_info.h -- AI.INFO handler.
 */
#ifndef AI_CMD_INFO_H
#define AI_CMD_INFO_H

#include "rmapi.h"

/* Command handler. Called by the server on its main thread; argv is owned by the server for the
 * duration of the call. */
__attribute__((visibility("hidden"))) int ai_cmd_info(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_INFO_H */
