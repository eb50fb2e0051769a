/*
 * tensor.h -- the tensor value: data types, shape, storage and validation.
 *
 * Pure structure code: nothing here takes a RedisModuleCtx, opens a key or
 * sends a reply. It uses only context-free module APIs (allocation, string
 * access, string retain/free, number parsing), so the same rules serve
 * AI.TENSORSET, RDB loading and, later, tensors produced by workers.
 *
 * Ownership: a tensor is reference counted. Every constructor returns a
 * tensor with one reference owned by the caller; ai_tensor_retain() adds
 * one, ai_tensor_release() drops one and frees the tensor at zero. The
 * count is atomic because the server may free a key's value on a
 * background thread (FLUSHALL ASYNC), while the main thread may still hold
 * its own reference (for example a queued execution job). The contents are
 * immutable after construction, so readers need no lock.
 *
 * Storage: the data bytes are either
 *   - inside a RedisModuleString that the tensor retains (a BLOB argument:
 *     zero copy, trimmed first where the server supports it), or
 *   - an Alloc'd buffer that the tensor owns (VALUES, zero-filled, RDB).
 */
#ifndef AI_TENSOR_H
#define AI_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "rmapi.h"

/* ===== Error replies (exact strings of the RedisAI 1.2 command surface) ===== */

#define AI_ERR_INVALID_DTYPE "ERR invalid data type"
#define AI_ERR_SHAPE "ERR invalid or negative value found in tensor shape"
#define AI_ERR_VALUES_COUNT "ERR wrong number of values was given in 'AI.TENSORSET' command"
#define AI_ERR_DATA_LENGTH "ERR data length does not match tensor shape and type"
#define AI_ERR_BOOL_VALUE "ERR BOOL tensor elements must be 0 or 1"
#define AI_ERR_STRING_COUNT "ERR Number of string elements in data blob does not match tensor length"
#define AI_ERR_INVALID_VALUE "ERR invalid value"
#define AI_ERR_CSTRING_NUL "ERR C-string value contains null character"
#define AI_ERR_SAVE "ERR could not save tensor"

/*
 * Largest tensor, in bytes of data plus string offsets, that is created
 * without data (zero-filled). BLOB and VALUES tensors are bounded by the
 * size of the command itself, but a zero-filled one is sized by its shape
 * alone, so "AI.TENSORSET k FLOAT 100000 100000" must not make the server
 * try to allocate 40 GB and abort. Beyond this limit (or on overflow of the
 * shape product) TENSORSET replies AI_ERR_SHAPE.
 */
#define AI_TENSOR_MAX_ZEROFILL_BYTES ((size_t)1 << 32)

/* ===== Data types ===== */

typedef enum ai_dtype_kind {
    AI_KIND_FLOAT,  /* IEEE float32 / float64 */
    AI_KIND_INT,    /* signed two's complement */
    AI_KIND_UINT,   /* unsigned */
    AI_KIND_BOOL,   /* one byte holding 0 or 1 */
    AI_KIND_STRING, /* NUL-terminated UTF-8 elements of any length */
} ai_dtype_kind;

typedef struct ai_dtype {
    const char *name;   /* upper-case name used by TENSORSET/TENSORGET */
    uint8_t code;       /* DLPack type code (RedisAI's fork), stored in RDB */
    uint8_t bits;       /* DLPack bits, stored in RDB */
    uint8_t itemsize;   /* bytes per element; 1 for STRING (the minimum) */
    ai_dtype_kind kind;
} ai_dtype;

/* Case-insensitive lookup by name ("float", "Int8", ...); NULL if unknown. */
const ai_dtype *ai_dtype_from_name(const char *name, size_t len);

/* Lookup by DLPack (code, bits) as stored in RDB; NULL if unknown. */
const ai_dtype *ai_dtype_from_dlpack(uint64_t code, uint64_t bits);

/* ===== Tensor ===== */

typedef struct ai_tensor {
    const ai_dtype *dtype;
    int ndims;
    long long *dims;           /* ndims entries, each > 0; NULL for a 0-d tensor */
    size_t nelems;             /* product of dims; 1 for a 0-d tensor */
    const char *data;          /* nbytes bytes, dense row-major, host byte order */
    size_t nbytes;
    size_t *offsets;           /* STRING only: start of element i within data */
    RedisModuleString *holder; /* retained string that holds data, or NULL */
    char *owned;               /* Alloc'd buffer that holds data, or NULL */
    uint32_t refcount;         /* atomic; see the ownership note above */
} ai_tensor;

/*
 * Number of elements of a shape. Returns 0 and sets *nelems, or -1 when a
 * dim is not positive or the product does not fit in size_t.
 */
int ai_shape_nelems(const long long *dims, int ndims, size_t *nelems);

/*
 * Constructors. dims is copied. On failure they return NULL and set *err to
 * one of the AI_ERR_* strings above; nothing is retained or leaked.
 */

/* A tensor without data: numbers are 0, strings are empty. */
ai_tensor *ai_tensor_new_zeroed(const ai_dtype *dtype, const long long *dims, int ndims, const char **err);

/*
 * A tensor whose data is the bytes of blob (the BLOB argument). The string
 * is validated, trimmed (when the server has TrimStringAllocation) and
 * retained, not copied; the tensor releases it when freed. The caller keeps
 * its own reference to blob, as before the call.
 */
ai_tensor *ai_tensor_new_from_blob(const ai_dtype *dtype, const long long *dims, int ndims, RedisModuleString *blob,
                                   const char **err);

/* A tensor built from one argument per element (the VALUES form). */
ai_tensor *ai_tensor_new_from_values(const ai_dtype *dtype, const long long *dims, int ndims,
                                     RedisModuleString **values, size_t nvalues, const char **err);

/*
 * A tensor over an Alloc'd buffer (RDB load). Always takes ownership of buf:
 * on success the tensor frees it, on failure it is freed before returning.
 */
ai_tensor *ai_tensor_new_from_buffer(const ai_dtype *dtype, const long long *dims, int ndims, char *buf,
                                     size_t len, const char **err);

/* Reference counting (any thread). release(NULL) is a no-op. */
ai_tensor *ai_tensor_retain(ai_tensor *t);
void ai_tensor_release(ai_tensor *t);

/* Bytes of memory attributed to the tensor (MEMORY USAGE). */
size_t ai_tensor_mem_usage(const ai_tensor *t);

/* Element accessors, i < t->nelems. The one matching t->dtype->kind must be used. */
long long ai_tensor_get_integer(const ai_tensor *t, size_t i); /* INT, UINT, BOOL */
double ai_tensor_get_double(const ai_tensor *t, size_t i);     /* FLOAT */
const char *ai_tensor_get_string(const ai_tensor *t, size_t i, size_t *len); /* STRING, without its NUL */

#endif /* AI_TENSOR_H */
