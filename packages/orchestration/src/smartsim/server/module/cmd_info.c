/*
 * cmd_info.c -- AI.INFO: run statistics of one model or script key (reference 8.1).
 *
 * The statistics themselves live in stats.c; this file parses the command and replies. Called
 * by the server on its main thread, with argv owned by the server for the duration of the call.
 */
#include "cmd_info.h"

#include <string.h>
#include <strings.h>

#include "stats.h"

#define AI_ERR_NO_INFO "ERR cannot find run info for key"

/* AI.INFO key [RESETSTAT] */
int ai_cmd_info(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    const char *key, *opt;
    size_t keylen, optlen;

    if (argc < 2 || argc > 3) return RedisModule_WrongArity(ctx);
    key = RedisModule_StringPtrLen(argv[1], &keylen);

    if (argc == 3) {
        opt = RedisModule_StringPtrLen(argv[2], &optlen);
        if (optlen == strlen("RESETSTAT") && strncasecmp(opt, "RESETSTAT", optlen) == 0) {
            if (ai_stats_reset(key, keylen) != 0) return RedisModule_ReplyWithError(ctx, AI_ERR_NO_INFO);
            return RedisModule_ReplyWithSimpleString(ctx, "OK");
        }
        /* Any other third token is ignored: plain AI.INFO. */
    }
    if (ai_stats_reply_info(ctx, key, keylen) != 0) return RedisModule_ReplyWithError(ctx, AI_ERR_NO_INFO);
    return REDISMODULE_OK;
}
