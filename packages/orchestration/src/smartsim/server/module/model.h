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

#include "rmapi.h"

typedef enum {
    AI_BACKEND_TF = 0, /* numeric codes are the RDB codes of RedisAI (reference 11.1) */
    AI_BACKEND_TFLITE = 1,
    AI_BACKEND_TORCH = 2,
    AI_BACKEND_ONNX = 3,
} AIBackend;

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

#endif
