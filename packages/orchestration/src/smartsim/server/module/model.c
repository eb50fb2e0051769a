/*
 * model.c -- the model value stored in AI__MODEL keys (model.h).
 *
 * A model is the stored description of a model plus its payload: backend, device string, tag,
 * batching parameters, input/output names (TF only; other backends learn them in the worker)
 * and the blob bytes exactly as uploaded. The module never runs or validates a model.
 *
 * Payload ownership: a single BLOB argument is retained (trimmed when the server can) and the
 * model points into it, as tensors do; several chunks are concatenated once into one buffer; an
 * RDB-loaded payload is the buffer the loader read. Values are immutable once published and
 * reference counted with an atomic count (the key holds one reference, queued jobs their own).
 */
#include "model.h"

#include <string.h>
#include <strings.h>

#include "stats.h"
#include "type_model.h"

struct AIModel {
    uint32_t refcount; /* atomic */
    AIBackend backend;
    char *device; /* Alloc'd, NUL-terminated */
    char *tag;    /* Alloc'd, NUL-terminated, taglen bytes (may hold NULs) */
    size_t taglen;
    long long batchsize, minbatchsize, minbatchtimeout;
    char **inputs, **outputs; /* Alloc'd arrays of Alloc'd names */
    size_t ninputs, noutputs;
    const char *blob; /* points into blob_str or blob_buf */
    size_t bloblen;
    RedisModuleString *blob_str; /* retained single chunk, or NULL */
    char *blob_buf;              /* owned buffer, or NULL */
    unsigned long long version;
    AIStatsEntry *stats; /* owned; NULL when not registered */
};

static const char *const ai_backend_names[] = {"TF", "TFLITE", "TORCH", "ONNX"};

unsigned long long ai_next_version(void) {
    static unsigned long long counter = 0;
    return __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

/* ===== Backends ===== */

const char *ai_backend_name(AIBackend backend) {
    if ((unsigned)backend < sizeof(ai_backend_names) / sizeof(ai_backend_names[0])) return ai_backend_names[backend];
    return "";
}

int ai_backend_parse(const char *text, size_t len, AIBackend *out) {
    for (unsigned i = 0; i < sizeof(ai_backend_names) / sizeof(ai_backend_names[0]); i++) {
        if (len == strlen(ai_backend_names[i]) && strncasecmp(text, ai_backend_names[i], len) == 0) {
            *out = (AIBackend)i;
            return 0;
        }
    }
    return -1;
}

/* ===== Construction ===== */

static char *ai_dup(const char *s, size_t len) {
    char *p = RedisModule_Alloc(len + 1);
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

AIModel *ai_model_new(AIBackend backend, const char *device, size_t devlen, const char *tag, size_t taglen,
                      long long batchsize, long long minbatchsize, long long minbatchtimeout) {
    AIModel *m = RedisModule_Calloc(1, sizeof(*m));

    m->refcount = 1;
    m->backend = backend;
    m->device = ai_dup(device, devlen);
    m->tag = ai_dup(tag, taglen);
    m->taglen = taglen;
    m->batchsize = batchsize;
    m->minbatchsize = minbatchsize;
    m->minbatchtimeout = minbatchtimeout;
    m->blob = "";
    return m;
}

static void ai_names_add(char ***names, size_t *n, const char *name, size_t len) {
    /* Grow by powers of two: the array is resized when n reaches one. */
    if ((*n & (*n - 1)) == 0) *names = RedisModule_Realloc(*names, (*n ? *n * 2 : 1) * sizeof(**names));
    (*names)[(*n)++] = ai_dup(name, len);
}

void ai_model_add_input(AIModel *model, const char *name, size_t len) {
    ai_names_add(&model->inputs, &model->ninputs, name, len);
}

void ai_model_add_output(AIModel *model, const char *name, size_t len) {
    ai_names_add(&model->outputs, &model->noutputs, name, len);
}

void ai_model_set_blob_chunks(AIModel *model, RedisModuleString **chunks, size_t nchunks) {
    size_t total = 0, len;

    if (nchunks == 1) {
        if (RedisModule_TrimStringAllocation != NULL) RedisModule_TrimStringAllocation(chunks[0]);
        RedisModule_RetainString(NULL, chunks[0]);
        model->blob_str = chunks[0];
        model->blob = RedisModule_StringPtrLen(chunks[0], &model->bloblen);
        return;
    }
    for (size_t i = 0; i < nchunks; i++) {
        RedisModule_StringPtrLen(chunks[i], &len);
        total += len;
    }
    model->blob_buf = RedisModule_Alloc(total ? total : 1);
    total = 0;
    for (size_t i = 0; i < nchunks; i++) {
        const char *p = RedisModule_StringPtrLen(chunks[i], &len);
        memcpy(model->blob_buf + total, p, len);
        total += len;
    }
    model->blob = model->blob_buf;
    model->bloblen = total;
}

void ai_model_set_blob_buffer(AIModel *model, char *buf, size_t len) {
    model->blob_buf = buf;
    model->blob = buf != NULL ? buf : "";
    model->bloblen = len;
}

void ai_model_publish(AIModel *model, const char *key, size_t keylen) {
    model->version = ai_next_version();
    if (key != NULL)
        model->stats = ai_stats_register(key, keylen, AI_STATS_MODEL, ai_backend_name(model->backend), model->device,
                                         model->tag, model->taglen);
}

/* ===== Accessors ===== */

AIBackend ai_model_backend(const AIModel *model) { return model->backend; }
const char *ai_model_device(const AIModel *model) { return model->device; }
const char *ai_model_tag(const AIModel *model) { return model->tag; }
size_t ai_model_tag_len(const AIModel *model) { return model->taglen; }
long long ai_model_batchsize(const AIModel *model) { return model->batchsize; }
long long ai_model_minbatchsize(const AIModel *model) { return model->minbatchsize; }
long long ai_model_minbatchtimeout(const AIModel *model) { return model->minbatchtimeout; }
size_t ai_model_ninputs(const AIModel *model) { return model->ninputs; }
size_t ai_model_noutputs(const AIModel *model) { return model->noutputs; }
unsigned long long ai_model_version(const AIModel *model) { return model->version; }
AIStatsEntry *ai_model_stats(const AIModel *model) { return model->stats; }

const char *ai_model_input(const AIModel *model, size_t index) {
    return index < model->ninputs ? model->inputs[index] : NULL;
}

const char *ai_model_output(const AIModel *model, size_t index) {
    return index < model->noutputs ? model->outputs[index] : NULL;
}

const char *ai_model_blob(const AIModel *model, size_t *len) {
    *len = model->bloblen;
    return model->blob;
}

size_t ai_model_mem_usage(const AIModel *model) {
    size_t n = sizeof(*model) + strlen(model->device) + 1 + model->taglen + 1 + model->bloblen;
    for (size_t i = 0; i < model->ninputs; i++) n += sizeof(char *) + strlen(model->inputs[i]) + 1;
    for (size_t i = 0; i < model->noutputs; i++) n += sizeof(char *) + strlen(model->outputs[i]) + 1;
    return n;
}

/* ===== Reference counting ===== */

AIModel *ai_model_retain(AIModel *model) {
    __atomic_add_fetch(&model->refcount, 1, __ATOMIC_RELAXED);
    return model;
}

/* May run on any thread (the server frees values in the background for FLUSHALL ASYNC). The
 * statistics entry goes first, while the strings it borrows are still alive. */
void ai_model_release(AIModel *model) {
    if (model == NULL || __atomic_sub_fetch(&model->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    ai_stats_unregister(model->stats);
    for (size_t i = 0; i < model->ninputs; i++) RedisModule_Free(model->inputs[i]);
    for (size_t i = 0; i < model->noutputs; i++) RedisModule_Free(model->outputs[i]);
    if (model->inputs != NULL) RedisModule_Free(model->inputs);
    if (model->outputs != NULL) RedisModule_Free(model->outputs);
    if (model->blob_str != NULL) RedisModule_FreeString(NULL, model->blob_str);
    if (model->blob_buf != NULL) RedisModule_Free(model->blob_buf);
    RedisModule_Free(model->device);
    RedisModule_Free(model->tag);
    RedisModule_Free(model);
}

/* ===== Keyspace ===== */

int ai_model_from_key(RedisModuleCtx *ctx, RedisModuleString *keyname, AIModel **out) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int rc = REDISMODULE_ERR;

    if (RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_EMPTY)
        RedisModule_ReplyWithError(ctx, "ERR model key is empty");
    else if (RedisModule_ModuleTypeGetType(key) != ai_model_type)
        RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    else {
        *out = RedisModule_ModuleTypeGetValue(key);
        rc = REDISMODULE_OK;
    }
    RedisModule_CloseKey(key);
    return rc;
}
