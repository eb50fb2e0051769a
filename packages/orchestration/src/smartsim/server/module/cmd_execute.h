/*
 * cmd_execute.h -- AI.MODELEXECUTE, AI.MODELRUN, AI.SCRIPTEXECUTE, AI.SCRIPTRUN.
 *
 * Each handler also answers the server's key-position requests (flag getkeys-api), so that every
 * model, script, input, output and KEYS key is declared.
 */
#ifndef AI_CMD_EXECUTE_H
#define AI_CMD_EXECUTE_H

#include "model.h"
#include "rmapi.h"

/* Command handlers. Called by the server on its main thread; argv is owned by the server for the
 * duration of the call (a queued job retains what it keeps). */
__attribute__((visibility("hidden"))) int ai_cmd_modelexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_modelrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_scriptexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
__attribute__((visibility("hidden"))) int ai_cmd_scriptrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

/* ===== Parsers shared with the DAG commands (cmd_dag.c) ===== */

/* AI.MODELEXECUTE arguments, as argv positions. */
typedef struct ai_modelexecute_args {
    AIModel *model; /* borrowed from the keyspace for the duration of the command */
    int in_start, out_start;
    long long nin, nout;
    long long timeout; /* 0 = none */
} ai_modelexecute_args;

/* Parse AI.MODELEXECUTE argv (argv[0] is the command name, argv[1] the model key). Replies the
 * error and returns -1 on failure. in_dag: TIMEOUT is refused ("not allowed within a DAG"). Input
 * keys are not looked up. */
__attribute__((visibility("hidden"))) int ai_parse_modelexecute(RedisModuleCtx *ctx, RedisModuleString **argv,
                                                                int argc, int in_dag, ai_modelexecute_args *out);

/* Parse AI.MODELRUN argv into the same layout; as ai_parse_modelexecute. */
__attribute__((visibility("hidden"))) int ai_parse_modelrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc,
                                                            int in_dag, ai_modelexecute_args *out);

/* Classify AI.SCRIPTRUN argv[3..]: kind[i] = 'i' input key, 'o' output key, 0 otherwise (kind has
 * argc entries). Replies the error (when ctx is not NULL) and returns -1 on failure. in_dag:
 * TIMEOUT refused. */
__attribute__((visibility("hidden"))) int ai_parse_scriptrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc,
                                                             int in_dag, char *kind, long long *timeout);

enum { AI_SCOPE_KEYS, AI_SCOPE_INPUTS, AI_SCOPE_ARGS, AI_SCOPE_OUTPUTS, AI_SCOPE_COUNT };

/* AI.SCRIPTEXECUTE scopes, as argv positions. */
typedef struct ai_scopes {
    int start[AI_SCOPE_COUNT]; /* argv index of the first element */
    long long count[AI_SCOPE_COUNT];
    int seen[AI_SCOPE_COUNT];
    long long timeout;
} ai_scopes;

/* Parse the scopes of AI.SCRIPTEXECUTE from argv[3]. Replies the error (when ctx is not NULL) and
 * returns -1 on failure. in_dag: no "first scope" rule, TIMEOUT refused. */
__attribute__((visibility("hidden"))) int ai_parse_script_scopes(RedisModuleCtx *ctx, RedisModuleString **argv,
                                                                 int argc, int in_dag, ai_scopes *sc);

#endif /* AI_CMD_EXECUTE_H */
