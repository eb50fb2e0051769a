/*
 * module.c -- entry point of the "ai" server module: RedisModule_OnLoad.
 *
 * Resolves the module API, registers the module, applies the load-time
 * configuration, creates the data types and registers the commands from
 * one table. Every other concern lives in its own file:
 *   rmapi.[ch]        module API function pointers (our own minimal header)
 *   config.[ch]       load-time arguments and AI.CONFIG
 *   tensor.[ch]       the tensor value (pure structure code)
 *   type_tensor.[ch]  the AI_TENSOR data type (RDB, AOF, memory, free)
 *   cmd_tensor.[ch]   AI.TENSORSET, AI.TENSORGET
 *   model.c, type_model.[ch], cmd_model.[ch]     models (AI__MODEL), AI.MODEL*
 *   script.c, type_script.[ch], cmd_script.[ch]  scripts (AI_SCRIPT), AI.SCRIPT*
 *   stats.c, cmd_info.[ch]  run statistics, AI.INFO
 *   job.[ch], queue.[ch]    execution jobs, per-device queues, worker registry, batching
 *   cmd_execute.[ch]        AI.MODELEXECUTE, AI.MODELRUN, AI.SCRIPTEXECUTE, AI.SCRIPTRUN
 *   cmd_worker.[ch]         AI._WORKER.* (the worker protocol, docs/worker-protocol.md)
 *   cmd_dag.[ch]            AI.DAGEXECUTE, AI.DAGEXECUTE_RO, AI.DAGRUN, AI.DAGRUN_RO
 * RedisModule_OnLoad is the only symbol the shared object exports.
 */
#include <stdio.h>

#include "cmd_dag.h"
#include "cmd_execute.h"
#include "cmd_info.h"
#include "cmd_model.h"
#include "cmd_script.h"
#include "cmd_tensor.h"
#include "cmd_worker.h"
#include "config.h"
#include "rmapi.h"
#include "type_model.h"
#include "type_script.h"
#include "type_tensor.h"

#define AI_MODULE_NAME "ai"
#define AI_MODULE_VERSION 10207 /* RedisAI 1.2.7 command surface */

/* Command table: name, handler, flags, first key, last key, key step.
 * New command families (models, scripts, execution, DAG, AI.INFO) add
 * their rows here and their handlers in their own cmd_<family>.c. */
static const struct {
    const char *name;
    RedisModuleCmdFunc handler;
    const char *flags;
    int firstkey, lastkey, keystep;
} ai_commands[] = {
    {"AI.TENSORSET", ai_cmd_tensorset, "write deny-oom", 1, 1, 1},
    {"AI.TENSORGET", ai_cmd_tensorget, "readonly", 1, 1, 1},
    {"AI.CONFIG", ai_cmd_config, "write", 0, 0, 0},
    {"AI.MODELSTORE", ai_cmd_modelstore, "write deny-oom", 1, 1, 1},
    {"AI.MODELSET", ai_cmd_modelset, "write deny-oom", 1, 1, 1},
    {"AI.MODELGET", ai_cmd_modelget, "readonly", 1, 1, 1},
    {"AI.MODELDEL", ai_cmd_modeldel, "write", 1, 1, 1},
    {"AI._MODELSCAN", ai_cmd_modelscan, "readonly", 0, 0, 0},
    {"AI.SCRIPTSTORE", ai_cmd_scriptstore, "write deny-oom", 1, 1, 1},
    {"AI.SCRIPTSET", ai_cmd_scriptset, "write deny-oom", 1, 1, 1},
    {"AI.SCRIPTGET", ai_cmd_scriptget, "readonly", 1, 1, 1},
    {"AI.SCRIPTDEL", ai_cmd_scriptdel, "write", 1, 1, 1},
    {"AI._SCRIPTSCAN", ai_cmd_scriptscan, "readonly", 0, 0, 0},
    {"AI.INFO", ai_cmd_info, "readonly", 1, 1, 1},
    {"AI.MODELEXECUTE", ai_cmd_modelexecute, "write deny-oom getkeys-api", 1, 1, 1},
    {"AI.MODELRUN", ai_cmd_modelrun, "write deny-oom getkeys-api", 1, 1, 1},
    {"AI.SCRIPTEXECUTE", ai_cmd_scriptexecute, "write deny-oom getkeys-api", 1, 1, 1},
    {"AI.SCRIPTRUN", ai_cmd_scriptrun, "write deny-oom getkeys-api", 1, 1, 1},
    {"AI._WORKER.HELLO", ai_cmd_worker_hello, "", 0, 0, 0},
    {"AI._WORKER.NEXT", ai_cmd_worker_next, "", 0, 0, 0},
    {"AI._WORKER.MODEL", ai_cmd_worker_model, "", 0, 0, 0},
    {"AI._WORKER.DONE", ai_cmd_worker_done, "", 0, 0, 0},
    {"AI._WORKER.LIST", ai_cmd_worker_list, "", 0, 0, 0},
    {"AI.DAGEXECUTE", ai_cmd_dagexecute, "write deny-oom getkeys-api", 0, 0, 0},
    {"AI.DAGEXECUTE_RO", ai_cmd_dagexecute_ro, "readonly getkeys-api", 0, 0, 0},
    {"AI.DAGRUN", ai_cmd_dagrun, "write deny-oom getkeys-api", 0, 0, 0},
    {"AI.DAGRUN_RO", ai_cmd_dagrun_ro, "readonly getkeys-api", 0, 0, 0},
};

/*
 * Module entry point. Called by the server once, on its main thread, when
 * it loads the module (--loadmodule / MODULE LOAD), with the load-time
 * arguments in argv (owned by the server). Returning REDISMODULE_ERR makes
 * the load fail; at startup the server then exits.
 */
__attribute__((visibility("default"))) int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv,
                                                              int argc) {
    char err[128];

    if (rmapi_init(ctx, err, sizeof(err)) != REDISMODULE_OK) {
        /* Log is resolved whenever the server has it, even on failure. */
        if (RedisModule_Log != NULL)
            RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "%s module: %s", AI_MODULE_NAME, err);
        else
            fprintf(stderr, "%s module: %s\n", AI_MODULE_NAME, err);
        return REDISMODULE_ERR;
    }
    if (RedisModule_IsModuleNameBusy != NULL && RedisModule_IsModuleNameBusy(AI_MODULE_NAME)) {
        RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "a module named '%s' is already loaded", AI_MODULE_NAME);
        return REDISMODULE_ERR;
    }
    RedisModule_SetModuleAttribs(ctx, AI_MODULE_NAME, AI_MODULE_VERSION, REDISMODULE_APIVER_1);
    /* rdb_load checks every read itself (see type_tensor.c). */
    RedisModule_SetModuleOptions(ctx, REDISMODULE_OPTIONS_HANDLE_IO_ERRORS);

    if (ai_config_load(ctx, argv, argc) != REDISMODULE_OK) return REDISMODULE_ERR;
    if (ai_tensor_type_register(ctx) != REDISMODULE_OK || ai_model_type_register(ctx) != REDISMODULE_OK ||
        ai_script_type_register(ctx) != REDISMODULE_OK) {
        ai_config_free();
        return REDISMODULE_ERR;
    }

    for (size_t i = 0; i < sizeof(ai_commands) / sizeof(ai_commands[0]); i++) {
        if (RedisModule_CreateCommand(ctx, ai_commands[i].name, ai_commands[i].handler, ai_commands[i].flags,
                                      ai_commands[i].firstkey, ai_commands[i].lastkey,
                                      ai_commands[i].keystep) != REDISMODULE_OK) {
            RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING, "could not register command %s", ai_commands[i].name);
            ai_config_free();
            return REDISMODULE_ERR;
        }
    }
    return REDISMODULE_OK;
}
