/*
 * script.c -- the script value stored in AI_SCRIPT keys (script.h).
 *
 * A script is TorchScript source text, the device string, a tag and the entry points declared
 * by AI.SCRIPTSTORE (none for AI.SCRIPTSET). The module never compiles it: workers do, when the
 * script is first executed. Values are immutable once published and reference counted with an
 * atomic count (the key holds one reference, queued jobs their own).
 */
#include "script.h"

#include <string.h>

#include "model.h"
#include "stats.h"
#include "type_script.h"

struct AIScript {
    uint32_t refcount; /* atomic */
    char *device;      /* Alloc'd, NUL-terminated */
    char *tag;         /* Alloc'd, NUL-terminated, taglen bytes */
    size_t taglen;
    char *source; /* Alloc'd, srclen bytes plus a NUL */
    size_t srclen;
    char **entry_points; /* Alloc'd array of Alloc'd names */
    size_t nentry_points;
    unsigned long long version;
    AIStatsEntry *stats; /* owned; NULL when not registered */
};

static char *ai_dup(const char *s, size_t len) {
    char *p = RedisModule_Alloc(len + 1);
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* ===== Construction ===== */

AIScript *ai_script_new(const char *device, size_t devlen, const char *tag, size_t taglen, const char *source,
                        size_t srclen) {
    AIScript *s = RedisModule_Calloc(1, sizeof(*s));

    s->refcount = 1;
    s->device = ai_dup(device, devlen);
    s->tag = ai_dup(tag, taglen);
    s->taglen = taglen;
    s->source = ai_dup(source, srclen);
    s->srclen = srclen;
    return s;
}

void ai_script_add_entry_point(AIScript *script, const char *name, size_t len) {
    size_t n = script->nentry_points;
    /* Grow by powers of two: the array is resized when n reaches one. */
    if ((n & (n - 1)) == 0)
        script->entry_points = RedisModule_Realloc(script->entry_points, (n ? n * 2 : 1) * sizeof(char *));
    script->entry_points[script->nentry_points++] = ai_dup(name, len);
}

void ai_script_publish(AIScript *script, const char *key, size_t keylen) {
    script->version = ai_next_version();
    if (key != NULL)
        script->stats =
            ai_stats_register(key, keylen, AI_STATS_SCRIPT, "TORCH", script->device, script->tag, script->taglen);
}

/* ===== Accessors ===== */

const char *ai_script_device(const AIScript *script) { return script->device; }
const char *ai_script_tag(const AIScript *script) { return script->tag; }
size_t ai_script_tag_len(const AIScript *script) { return script->taglen; }
size_t ai_script_nentry_points(const AIScript *script) { return script->nentry_points; }
unsigned long long ai_script_version(const AIScript *script) { return script->version; }
AIStatsEntry *ai_script_stats(const AIScript *script) { return script->stats; }

const char *ai_script_source(const AIScript *script, size_t *len) {
    *len = script->srclen;
    return script->source;
}

const char *ai_script_entry_point(const AIScript *script, size_t index) {
    return index < script->nentry_points ? script->entry_points[index] : NULL;
}

int ai_script_has_entry_point(const AIScript *script, const char *name, size_t len) {
    for (size_t i = 0; i < script->nentry_points; i++) {
        if (strlen(script->entry_points[i]) == len && memcmp(script->entry_points[i], name, len) == 0) return 1;
    }
    return 0;
}

size_t ai_script_mem_usage(const AIScript *script) {
    size_t n = sizeof(*script) + strlen(script->device) + 1 + script->taglen + 1 + script->srclen + 1;
    for (size_t i = 0; i < script->nentry_points; i++) n += sizeof(char *) + strlen(script->entry_points[i]) + 1;
    return n;
}

/* ===== Reference counting ===== */

AIScript *ai_script_retain(AIScript *script) {
    __atomic_add_fetch(&script->refcount, 1, __ATOMIC_RELAXED);
    return script;
}

/* May run on any thread (background frees). The statistics entry goes first, while the strings
 * it borrows are still alive. */
void ai_script_release(AIScript *script) {
    if (script == NULL || __atomic_sub_fetch(&script->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    ai_stats_unregister(script->stats);
    for (size_t i = 0; i < script->nentry_points; i++) RedisModule_Free(script->entry_points[i]);
    if (script->entry_points != NULL) RedisModule_Free(script->entry_points);
    RedisModule_Free(script->device);
    RedisModule_Free(script->tag);
    RedisModule_Free(script->source);
    RedisModule_Free(script);
}

/* ===== Keyspace ===== */

int ai_script_from_key(RedisModuleCtx *ctx, RedisModuleString *keyname, AIScript **out) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int rc = REDISMODULE_ERR;

    if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY)
        RedisModule_ReplyWithError(ctx, "ERR script key is empty");
    else if (RedisModule_ModuleTypeGetType(key) != ai_script_type)
        RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    else {
        *out = RedisModule_ModuleTypeGetValue(key);
        rc = REDISMODULE_OK;
    }
    RedisModule_CloseKey(key);
    return rc;
}
