/*
 * stats.c -- the run-statistics registry of models and scripts (AI.INFO, AI._MODELSCAN,
 * AI._SCRIPTSCAN).
 *
 * Every stored model/script value owns exactly one entry, created when the value is stored or
 * loaded and freed with the value. The registry maps a key name to its *current* entry: the entry
 * of the value most recently stored under that name. Entries are tied to their value by pointer,
 * not by name, so an overwritten value that is freed later (a queued job still held it, a lazy
 * free, RESTORE ... REPLACE, a replica's background flush) removes only its own, detached entry
 * and never the newer one.
 *
 * The registry is a chained hash table keyed by key name. Key names of all databases share it,
 * as in RedisAI. A mutex guards it because values may be freed off the main thread.
 */
#include "stats.h"

#include <pthread.h>
#include <string.h>

struct AIStatsEntry {
    AIStatsEntry *next; /* hash chain; only while current */
    char *key;          /* Alloc'd copy */
    size_t keylen;
    uint64_t hash;
    int current; /* 1 while in the table */
    AIStatsKind kind;
    const char *backend, *device, *tag; /* borrowed from the owning value */
    size_t taglen;
    long long duration_us, samples, calls, errors;
};

static pthread_mutex_t ai_stats_lock = PTHREAD_MUTEX_INITIALIZER;
static AIStatsEntry **ai_stats_buckets = NULL;
static size_t ai_stats_nbuckets = 0, ai_stats_count = 0;

/* ===== Hash table (callers hold the lock) ===== */

static uint64_t ai_stats_hash(const char *key, size_t len) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static AIStatsEntry **ai_stats_slot(const char *key, size_t len, uint64_t hash) {
    AIStatsEntry **pp;

    if (ai_stats_nbuckets == 0) return NULL;
    for (pp = &ai_stats_buckets[hash & (ai_stats_nbuckets - 1)]; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->hash == hash && (*pp)->keylen == len && memcmp((*pp)->key, key, len) == 0) return pp;
    }
    return pp;
}

static void ai_stats_grow(void) {
    size_t n = ai_stats_nbuckets ? ai_stats_nbuckets * 2 : 16;
    AIStatsEntry **b = RedisModule_Calloc(n, sizeof(*b));

    for (size_t i = 0; i < ai_stats_nbuckets; i++) {
        AIStatsEntry *e = ai_stats_buckets[i];
        while (e != NULL) {
            AIStatsEntry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    if (ai_stats_buckets != NULL) RedisModule_Free(ai_stats_buckets);
    ai_stats_buckets = b;
    ai_stats_nbuckets = n;
}

static AIStatsEntry *ai_stats_find(const char *key, size_t len) {
    AIStatsEntry **pp = ai_stats_slot(key, len, ai_stats_hash(key, len));
    return pp != NULL ? *pp : NULL;
}

/* ===== Entries ===== */

AIStatsEntry *ai_stats_register(const char *key, size_t keylen, AIStatsKind kind, const char *backend,
                                const char *device, const char *tag, size_t taglen) {
    AIStatsEntry *e = RedisModule_Calloc(1, sizeof(*e)), **pp;

    e->key = RedisModule_Alloc(keylen + 1);
    memcpy(e->key, key, keylen);
    e->key[keylen] = '\0';
    e->keylen = keylen;
    e->hash = ai_stats_hash(key, keylen);
    e->kind = kind;
    e->backend = backend;
    e->device = device;
    e->tag = tag;
    e->taglen = taglen;

    pthread_mutex_lock(&ai_stats_lock);
    if (ai_stats_count >= ai_stats_nbuckets) ai_stats_grow();
    pp = ai_stats_slot(key, keylen, e->hash);
    if (*pp != NULL) {
        /* Detach the previous value's entry; it stays with that value. */
        AIStatsEntry *old = *pp;
        *pp = old->next;
        old->next = NULL;
        old->current = 0;
        ai_stats_count--;
    }
    e->next = *pp;
    *pp = e;
    e->current = 1;
    ai_stats_count++;
    pthread_mutex_unlock(&ai_stats_lock);
    return e;
}

void ai_stats_unregister(AIStatsEntry *entry) {
    if (entry == NULL) return;
    pthread_mutex_lock(&ai_stats_lock);
    if (entry->current) {
        AIStatsEntry **pp = ai_stats_slot(entry->key, entry->keylen, entry->hash);
        if (pp != NULL && *pp == entry) {
            *pp = entry->next;
            ai_stats_count--;
        }
        entry->current = 0;
    }
    pthread_mutex_unlock(&ai_stats_lock);
    RedisModule_Free(entry->key);
    RedisModule_Free(entry);
}

/* Callers hold the lock. A failed run counts a call and an error, no time and no samples. */
static void ai_stats_add(AIStatsEntry *e, long long duration_us, long long samples, int failed) {
    e->calls++;
    if (failed) {
        e->errors++;
        return;
    }
    e->duration_us += duration_us;
    if (e->kind == AI_STATS_MODEL && samples > 0) e->samples += samples;
}

void ai_stats_entry_record(AIStatsEntry *entry, long long duration_us, long long samples, int failed) {
    if (entry == NULL) return;
    pthread_mutex_lock(&ai_stats_lock);
    ai_stats_add(entry, duration_us, samples, failed);
    pthread_mutex_unlock(&ai_stats_lock);
}

/* ===== Replies ===== */

int ai_stats_reply_info(RedisModuleCtx *ctx, const char *key, size_t keylen) {
    AIStatsEntry *e;

    pthread_mutex_lock(&ai_stats_lock);
    e = ai_stats_find(key, keylen);
    if (e == NULL) {
        pthread_mutex_unlock(&ai_stats_lock);
        return -1;
    }
    RedisModule_ReplyWithArray(ctx, 18);
    RedisModule_ReplyWithCString(ctx, "key");
    RedisModule_ReplyWithStringBuffer(ctx, e->key, e->keylen);
    RedisModule_ReplyWithCString(ctx, "type");
    RedisModule_ReplyWithCString(ctx, e->kind == AI_STATS_MODEL ? "MODEL" : "SCRIPT");
    RedisModule_ReplyWithCString(ctx, "backend");
    RedisModule_ReplyWithCString(ctx, e->backend);
    RedisModule_ReplyWithCString(ctx, "device");
    RedisModule_ReplyWithCString(ctx, e->device);
    RedisModule_ReplyWithCString(ctx, "tag");
    RedisModule_ReplyWithStringBuffer(ctx, e->tag, e->taglen);
    RedisModule_ReplyWithCString(ctx, "duration");
    RedisModule_ReplyWithLongLong(ctx, e->duration_us);
    RedisModule_ReplyWithCString(ctx, "samples");
    RedisModule_ReplyWithLongLong(ctx, e->kind == AI_STATS_MODEL ? e->samples : -1);
    RedisModule_ReplyWithCString(ctx, "calls");
    RedisModule_ReplyWithLongLong(ctx, e->calls);
    RedisModule_ReplyWithCString(ctx, "errors");
    RedisModule_ReplyWithLongLong(ctx, e->errors);
    pthread_mutex_unlock(&ai_stats_lock);
    return 0;
}

int ai_stats_reset(const char *key, size_t keylen) {
    AIStatsEntry *e;

    pthread_mutex_lock(&ai_stats_lock);
    e = ai_stats_find(key, keylen);
    if (e != NULL) e->duration_us = e->samples = e->calls = e->errors = 0;
    pthread_mutex_unlock(&ai_stats_lock);
    return e != NULL ? 0 : -1;
}

void ai_stats_reply_scan(RedisModuleCtx *ctx, AIStatsKind kind) {
    long n = 0;

    pthread_mutex_lock(&ai_stats_lock);
    for (size_t i = 0; i < ai_stats_nbuckets; i++)
        for (AIStatsEntry *e = ai_stats_buckets[i]; e != NULL; e = e->next) n += e->kind == kind;
    RedisModule_ReplyWithArray(ctx, n);
    for (size_t i = 0; i < ai_stats_nbuckets; i++) {
        for (AIStatsEntry *e = ai_stats_buckets[i]; e != NULL; e = e->next) {
            if (e->kind != kind) continue;
            RedisModule_ReplyWithArray(ctx, 2);
            RedisModule_ReplyWithStringBuffer(ctx, e->key, e->keylen);
            RedisModule_ReplyWithStringBuffer(ctx, e->tag, e->taglen);
        }
    }
    pthread_mutex_unlock(&ai_stats_lock);
}
