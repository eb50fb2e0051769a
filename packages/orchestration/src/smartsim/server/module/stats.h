/*
 * stats.h -- per-key run statistics of models and scripts (AI.INFO, AI._MODELSCAN/_SCRIPTSCAN).
 *
 * One entry per model/script key on this shard, created (reset) by every store and RDB load,
 * dropped when that model/script value is freed. ai_stats_entry_record and the commands run on the main
 * thread; ai_stats_unregister may run on any thread (a value can be freed in the background), so
 * the registry is guarded by a mutex.
 */
#ifndef AI_STATS_H
#define AI_STATS_H

#include <stddef.h>

#include "rmapi.h"

typedef enum { AI_STATS_MODEL = 0, AI_STATS_SCRIPT = 1 } AIStatsKind;

/* One statistics entry, owned by the model/script value it was registered for. */
typedef struct AIStatsEntry AIStatsEntry;

/*
 * Create the entry of a freshly stored (or RDB-loaded) value and make it the current entry of key,
 * with zeroed counters. An earlier entry of the same key name is detached, not freed: it belongs
 * to the old value and goes when that value is freed. backend, device and tag are borrowed from
 * the value and must live as long as the entry. Main thread.
 */
AIStatsEntry *ai_stats_register(const char *key, size_t keylen, AIStatsKind kind, const char *backend,
                                const char *device, const char *tag, size_t taglen);
/* Free an entry, removing it from the registry if it is still the current one of its key.
 * Called when the owning value is freed (any thread). NULL is a no-op. */
void ai_stats_unregister(AIStatsEntry *entry);

/* Record one finished execution for the entry of one value (ai_model_stats / ai_script_stats):
 * duration in microseconds, samples = dim 0 of the first output for models, failed != 0 for an
 * error. A job that ran an overwritten model counts for that model, not for its successor under
 * the same key. The caller holds a reference to the value, which keeps the entry alive. Main
 * thread. */
void ai_stats_entry_record(AIStatsEntry *entry, long long duration_us, long long samples, int failed);

/* AI.INFO: reply the 18-element array of key; returns 0, or -1 (no reply sent) if there is no
 * entry. Main thread. */
int ai_stats_reply_info(RedisModuleCtx *ctx, const char *key, size_t keylen);
/* AI.INFO RESETSTAT: zero the counters of key; returns 0, or -1 if there is no entry. */
int ai_stats_reset(const char *key, size_t keylen);
/* AI._MODELSCAN / AI._SCRIPTSCAN: reply [[key, tag], ...] of every current entry of kind. */
void ai_stats_reply_scan(RedisModuleCtx *ctx, AIStatsKind kind);

#endif
