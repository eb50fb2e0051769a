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
 * RedisModule_OnLoad is the only symbol the shared object exports.
 */
#include <stdio.h>

#include "cmd_tensor.h"
#include "config.h"
#include "rmapi.h"
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
    if (ai_tensor_type_register(ctx) != REDISMODULE_OK) {
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
