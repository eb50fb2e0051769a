/*
 * cmd_dag.h -- AI.DAGEXECUTE, AI.DAGEXECUTE_RO and the deprecated AI.DAGRUN, AI.DAGRUN_RO.
 */
#ifndef AI_CMD_DAG_H
#define AI_CMD_DAG_H

#include "rmapi.h"

/* Command handlers (also answering key-position requests: flag getkeys-api). Called by the server
 * on its main thread; argv is owned by the server for the duration of the call. */
__attribute__((visibility("hidden"))) int ai_cmd_dagexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_dagexecute_ro(RedisModuleCtx *ctx, RedisModuleString **argv,
                                                               int argc);

__attribute__((visibility("hidden"))) int ai_cmd_dagrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_dagrun_ro(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif /* AI_CMD_DAG_H */
