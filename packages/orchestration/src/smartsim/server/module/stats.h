/*
 * stats.h -- per-key run statistics of models and scripts (AI.INFO, AI._MODELSCAN/_SCRIPTSCAN).
 *
 * One entry per model/script key on this shard, created (reset) by every store and RDB load,
 * dropped when that model/script value is freed. Main thread only.
 */
#ifndef AI_STATS_H
#define AI_STATS_H

#include <stddef.h>

typedef enum { AI_STATS_MODEL = 0, AI_STATS_SCRIPT = 1 } AIStatsKind;

/* Record one finished execution of the model/script stored under key (if it still has an entry):
 * duration in microseconds, samples = dim 0 of the first output for models (ignored for scripts),
 * failed != 0 for an error. Called by the execution code when a worker reports a job done. */
void ai_stats_record(const char *key, size_t keylen, AIStatsKind kind, long long duration_us,
                     long long samples, int failed);

#endif
