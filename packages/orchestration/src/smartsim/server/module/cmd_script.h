/*
 * cmd_script.h -- AI.SCRIPTSTORE, AI.SCRIPTSET, AI.SCRIPTGET, AI.SCRIPTDEL and AI._SCRIPTSCAN handlers.
 */
#ifndef AI_CMD_SCRIPT_H
#define AI_CMD_SCRIPT_H

#include "rmapi.h"

/* Command handlers. Called by the server on its main thread; argv is owned by the server for the
 * duration of the call. */
__attribute__((visibility("hidden"))) int ai_cmd_scriptstore(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_scriptset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_scriptget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_scriptdel(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_scriptscan(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_SCRIPT_H */
