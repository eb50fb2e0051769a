/*
 * script.h -- the stored script value (AI_SCRIPT keys): TorchScript source plus entry points.
 *
 * Same sharing contract as model.h: immutable once stored, atomically reference counted, the key
 * holds one reference and every queued job its own. Workers compile and run the source.
 */
#ifndef AI_SCRIPT_H
#define AI_SCRIPT_H

#include <stddef.h>

#include "rmapi.h"
#include "stats.h"

typedef struct AIScript AIScript;

const char *ai_script_device(const AIScript *script);
const char *ai_script_tag(const AIScript *script);
const char *ai_script_source(const AIScript *script, size_t *len);
/* Entry points declared with SCRIPTSTORE; SCRIPTSET scripts have none. */
size_t ai_script_nentry_points(const AIScript *script);
const char *ai_script_entry_point(const AIScript *script, size_t index);
int ai_script_has_entry_point(const AIScript *script, const char *name, size_t len);
/* Unique per store, as for models. */
unsigned long long ai_script_version(const AIScript *script);

AIScript *ai_script_retain(AIScript *script);
void ai_script_release(AIScript *script);

/* As ai_model_from_key, with "ERR script key is empty". */
int ai_script_from_key(RedisModuleCtx *ctx, RedisModuleString *keyname, AIScript **out);

/* ===== Construction (storage side: cmd_script.c, type_script.c; main thread) ===== */

/* A new script holding one reference, no entry points. Strings are copied (the source gets a
 * trailing NUL that is not counted in its length). */
AIScript *ai_script_new(const char *device, size_t devlen, const char *tag, size_t taglen, const char *source,
                        size_t srclen);
void ai_script_add_entry_point(AIScript *script, const char *name, size_t len);
/* Give the script its version and a fresh AI.INFO entry under key (no entry when key is NULL). */
void ai_script_publish(AIScript *script, const char *key, size_t keylen);
size_t ai_script_tag_len(const AIScript *script);
size_t ai_script_mem_usage(const AIScript *script);
/* The script's AI.INFO entry (for ai_stats_entry_record), or NULL when it has none. */
AIStatsEntry *ai_script_stats(const AIScript *script);

#endif
