/*
 * cmd_script.c -- AI.SCRIPTSTORE, AI.SCRIPTSET, AI.SCRIPTGET, AI.SCRIPTDEL, AI._SCRIPTSCAN.
 *
 * Argument parsing, key access and replies; the script value lives in script.c. The order of
 * checks and every error string follow the RedisAI 1.2 command surface (reference 4.1-4.4, 4.8).
 * Scripts are stored without compiling: the device, the source and the entry-point signatures
 * are checked by the worker that compiles the script when it is first executed.
 *
 * All handlers are called by the server on its main thread, with argv owned by the server for
 * the duration of the call.
 */
#include "cmd_script.h"

#include <string.h>
#include <strings.h>

#include "script.h"
#include "stats.h"
#include "type_script.h"

#define AI_ERR_MISSING_ENTRY_POINTS "ERR Insufficient arguments, missing script entry points"
#define AI_ERR_ENTRY_POINTS_NUMBER "ERR Non numeric entry points number provided to AI.SCRIPTSTORE command"
#define AI_ERR_MISSING_SOURCE "ERR Insufficient arguments, missing script SOURCE"
#define AI_ERR_KEY_EMPTY "ERR script key is empty"

static int ai_arg_is(RedisModuleString *s, const char *word) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

/* Check the key type, build the script, store it, reply. entry_points may be NULL (SCRIPTSET). */
static int ai_script_store(RedisModuleCtx *ctx, RedisModuleString *keyname, RedisModuleString *device,
                           RedisModuleString *tag, RedisModuleString **entry_points, size_t nentry_points,
                           RedisModuleString *source) {
    RedisModuleKey *key;
    AIScript *s;
    const char *dev, *t = "", *src, *k;
    size_t devlen, taglen = 0, srclen, klen;

    key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ | REDISMODULE_WRITE);
    if (RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(key) != ai_script_type) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }

    dev = RedisModule_StringPtrLen(device, &devlen);
    if (tag != NULL) t = RedisModule_StringPtrLen(tag, &taglen);
    src = RedisModule_StringPtrLen(source, &srclen);
    s = ai_script_new(dev, devlen, t, taglen, src, srclen);
    for (size_t i = 0; i < nentry_points; i++) {
        const char *p = RedisModule_StringPtrLen(entry_points[i], &klen);
        ai_script_add_entry_point(s, p, klen);
    }
    k = RedisModule_StringPtrLen(keyname, &klen);
    ai_script_publish(s, k, klen);

    /* The key takes our reference; an older script is released by the server. */
    if (RedisModule_ModuleTypeSetValue(key, ai_script_type, s) != REDISMODULE_OK) {
        ai_script_release(s);
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, "ERR could not save script");
    }
    RedisModule_CloseKey(key);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* ===== AI.SCRIPTSTORE ===== */

/* AI.SCRIPTSTORE key device [TAG tag] ENTRY_POINTS n fn... SOURCE script */
int ai_cmd_scriptstore(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleString *tag = NULL, **eps;
    long long n;
    int pos = 3;

    if (argc < 8) return RedisModule_WrongArity(ctx);

    if (ai_arg_is(argv[pos], "TAG")) {
        tag = argv[pos + 1];
        pos += 2;
    }
    if (!ai_arg_is(argv[pos], "ENTRY_POINTS")) return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_ENTRY_POINTS);
    if (pos + 1 >= argc || RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, AI_ERR_ENTRY_POINTS_NUMBER);
    pos += 2;
    /* Names are taken greedily (SOURCE may be eaten as one); a negative count can never be met. */
    if (n < 0 || n > argc - pos) return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_ENTRY_POINTS);
    eps = argv + pos;
    pos += (int)n;
    if (pos + 1 >= argc || !ai_arg_is(argv[pos], "SOURCE"))
        return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_SOURCE);
    /* Arguments after the source are ignored. */
    return ai_script_store(ctx, argv[1], argv[2], tag, eps, (size_t)n, argv[pos + 1]);
}

/* ===== AI.SCRIPTSET (deprecated) ===== */

/* AI.SCRIPTSET key device [TAG tag] SOURCE script */
int ai_cmd_scriptset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleString *tag = NULL;
    int pos = 3;

    if (argc != 5 && argc != 7) return RedisModule_WrongArity(ctx);
    if (argc == 7 && ai_arg_is(argv[pos], "TAG")) {
        tag = argv[pos + 1];
        pos += 2;
    }
    if (pos + 1 >= argc || !ai_arg_is(argv[pos], "SOURCE"))
        return RedisModule_ReplyWithError(ctx, AI_ERR_MISSING_SOURCE);
    return ai_script_store(ctx, argv[1], argv[2], tag, NULL, 0, argv[pos + 1]);
}

/* ===== AI.SCRIPTGET ===== */

/* AI.SCRIPTGET key [META] [SOURCE] */
int ai_cmd_scriptget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    AIScript *s;
    int meta = 0, source = 0;
    const char *src;
    size_t srclen;

    if (argc < 2 || argc > 4) return RedisModule_WrongArity(ctx);
    if (ai_script_from_key(ctx, argv[1], &s) != REDISMODULE_OK) return REDISMODULE_OK;

    for (int i = 2; i < argc; i++) {
        if (ai_arg_is(argv[i], "META"))
            meta = 1;
        else if (ai_arg_is(argv[i], "SOURCE"))
            source = 1;
    }
    src = ai_script_source(s, &srclen);
    if (source && !meta) return RedisModule_ReplyWithStringBuffer(ctx, src, srclen);
    if (!meta && !source) meta = source = 1;

    RedisModule_ReplyWithArray(ctx, source ? 8 : 6);
    RedisModule_ReplyWithCString(ctx, "device");
    RedisModule_ReplyWithCString(ctx, ai_script_device(s));
    RedisModule_ReplyWithCString(ctx, "tag");
    RedisModule_ReplyWithStringBuffer(ctx, ai_script_tag(s), ai_script_tag_len(s));
    RedisModule_ReplyWithCString(ctx, "Entry Points");
    RedisModule_ReplyWithArray(ctx, (long)ai_script_nentry_points(s));
    for (size_t i = 0; i < ai_script_nentry_points(s); i++)
        RedisModule_ReplyWithCString(ctx, ai_script_entry_point(s, i));
    if (source) {
        RedisModule_ReplyWithCString(ctx, "source");
        RedisModule_ReplyWithStringBuffer(ctx, src, srclen);
    }
    return REDISMODULE_OK;
}

/* ===== AI.SCRIPTDEL ===== */

/* AI.SCRIPTDEL key */
int ai_cmd_scriptdel(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModuleKey *key;

    if (argc != 2) return RedisModule_WrongArity(ctx);
    key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, AI_ERR_KEY_EMPTY);
    }
    if (RedisModule_ModuleTypeGetType(key) != ai_script_type) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }
    /* Releases the key's reference; running jobs keep theirs. */
    RedisModule_DeleteKey(key);
    RedisModule_CloseKey(key);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* ===== AI._SCRIPTSCAN ===== */

/* AI._SCRIPTSCAN */
int ai_cmd_scriptscan(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModule_Log(ctx, REDISMODULE_LOGLEVEL_WARNING,
                    "AI._SCRIPTSCAN is experimental and might be removed in future versions");
    ai_stats_reply_scan(ctx, AI_STATS_SCRIPT);
    return REDISMODULE_OK;
}
