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

#endif
