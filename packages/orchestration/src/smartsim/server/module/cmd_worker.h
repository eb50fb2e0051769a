/*
 * cmd_worker.h -- the private worker protocol: AI._WORKER.HELLO, NEXT, MODEL, DONE, LIST.
 *
 * Worker processes are ordinary clients of their shard; docs/worker-protocol.md describes every
 * command, argument and reply.
 */
#ifndef AI_CMD_WORKER_H
#define AI_CMD_WORKER_H

#include "rmapi.h"

/* Command handlers. Called by the server on its main thread; argv is owned by the server for the
 * duration of the call (DONE retains the output blobs it keeps). */
__attribute__((visibility("hidden"))) int ai_cmd_worker_hello(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_worker_next(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_worker_model(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_worker_done(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_worker_list(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_WORKER_H */
