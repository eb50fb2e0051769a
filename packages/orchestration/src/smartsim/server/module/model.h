/*
 * model.h -- the stored model value (AI__MODEL keys): what execution needs to know about a model.
 *
 * Contract shared by the model commands (cmd_model.c, type_model.c: storage, RDB/AOF) and the
 * execution queue (cmd_execute.c, queue.c: jobs). A model is immutable once stored and reference
 * counted (atomic): the key holds one reference, every queued job holds its own, so MODELDEL or
 * an overwrite during a run is safe. The module never runs a model; worker processes do.
 */
#ifndef AI_MODEL_H
#define AI_MODEL_H

#include <stddef.h>

#include "config.h"
#include "rmapi.h"
#include "stats.h"

/* The backend codes are the RDB codes of RedisAI (reference 11.1): AI_BACKEND_TF = 0,
 * AI_BACKEND_TFLITE = 1, AI_BACKEND_TORCH = 2, AI_BACKEND_ONNX = 3. The enumeration itself lives in
 * config.h (LOADBACKEND and the load-time arguments name the same backends). */
typedef ai_backend AIBackend;

typedef struct AIModel AIModel;

/* "TF", "TFLITE", "TORCH", "ONNX". */
const char *ai_backend_name(AIBackend backend);
/* Case-insensitive parse; returns 0 and sets *out on success, -1 otherwise. */
int ai_backend_parse(const char *text, size_t len, AIBackend *out);

AIBackend ai_model_backend(const AIModel *model);
/* The device string exactly as stored (e.g. "CPU", "gpu:1"); queues use its upper-cased form. */
const char *ai_model_device(const AIModel *model);
const char *ai_model_tag(const AIModel *model);
long long ai_model_batchsize(const AIModel *model);
long long ai_model_minbatchsize(const AIModel *model);
long long ai_model_minbatchtimeout(const AIModel *model);
/* Input/output names. Known at store time only for TF (INPUTS/OUTPUTS); other backends report
 * 0 names and the worker checks the counts when it loads the model. */
size_t ai_model_ninputs(const AIModel *model);
const char *ai_model_input(const AIModel *model, size_t index);
size_t ai_model_noutputs(const AIModel *model);
const char *ai_model_output(const AIModel *model, size_t index);
/* The model payload as stored (all BLOB chunks concatenated). */
const char *ai_model_blob(const AIModel *model, size_t *len);
/* A process-wide unique number given at MODELSTORE/MODELSET/RDB load: workers cache loaded
 * models by (key, version), so a new store under the same key is never served stale. */
unsigned long long ai_model_version(const AIModel *model);

AIModel *ai_model_retain(AIModel *model);
void ai_model_release(AIModel *model);

/*
 * Look up the model stored at keyname (main thread). On success returns REDISMODULE_OK and a
 * *borrowed* pointer (retain it to keep it past the command). On failure replies
 * "ERR model key is empty" or WRONGTYPE to ctx and returns REDISMODULE_ERR.
 */
int ai_model_from_key(RedisModuleCtx *ctx, RedisModuleString *keyname, AIModel **out);

/* ===== Construction (storage side: cmd_model.c, type_model.c; main thread) =====
 * A model is built with ai_model_new, filled with the add/set calls below and then published with
 * ai_model_publish; it is immutable from then on. */

/* A new model holding one reference, with no inputs, outputs or payload. Strings are copied. */
AIModel *ai_model_new(AIBackend backend, const char *device, size_t devlen, const char *tag, size_t taglen,
                      long long batchsize, long long minbatchsize, long long minbatchtimeout);
void ai_model_add_input(AIModel *model, const char *name, size_t len);
void ai_model_add_output(AIModel *model, const char *name, size_t len);
/* Payload from BLOB arguments: a single chunk is retained (no copy), several are concatenated once.
 * The strings stay owned by the caller; the model takes its own reference. */
void ai_model_set_blob_chunks(AIModel *model, RedisModuleString **chunks, size_t nchunks);
/* Payload from an RDB load: takes ownership of buf (RedisModule_Alloc'd, may be NULL when len is 0). */
void ai_model_set_blob_buffer(AIModel *model, char *buf, size_t len);
/* Give the model its version and a fresh AI.INFO entry under key (no entry when key is NULL). */
void ai_model_publish(AIModel *model, const char *key, size_t keylen);
size_t ai_model_tag_len(const AIModel *model);
/* The next number of the process-wide counter behind ai_model_version and ai_script_version
 * (one counter for both kinds, so a number never names two values). Any thread. */
unsigned long long ai_next_version(void);
/* The model's AI.INFO entry (for ai_stats_entry_record), or NULL when it has none. */
AIStatsEntry *ai_model_stats(const AIModel *model);
/* Bytes held by the model (MEMORY USAGE). */
size_t ai_model_mem_usage(const AIModel *model);

#endif
