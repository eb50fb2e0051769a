/*
 * tensor.c -- the tensor value: data types, shape, storage and validation.
 *
 * Pure structure code (no RedisModuleCtx); see tensor.h for the ownership
 * and storage rules. The validation rules and their order follow the
 * RedisAI 1.2 AI.TENSORSET semantics, quirks included where clients can
 * observe them (each quirk is marked below).
 *
 * Element access always goes through memcpy: a BLOB tensor's data sits
 * inside a server string at no particular alignment.
 */
#include "tensor.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

/* ===== Data type table ===== */

/* Order is irrelevant to clients; names, DLPack codes and bits are the
 * RedisAI ones (its DLPack fork: kDLInt=0, kDLUInt=1, kDLFloat=2,
 * kDLBool=6, kDLString=7). */
static const ai_dtype ai_dtypes[] = {
    {"FLOAT", 2, 32, 4, AI_KIND_FLOAT},  {"DOUBLE", 2, 64, 8, AI_KIND_FLOAT}, {"INT8", 0, 8, 1, AI_KIND_INT},
    {"INT16", 0, 16, 2, AI_KIND_INT},    {"INT32", 0, 32, 4, AI_KIND_INT},   {"INT64", 0, 64, 8, AI_KIND_INT},
    {"UINT8", 1, 8, 1, AI_KIND_UINT},    {"UINT16", 1, 16, 2, AI_KIND_UINT}, {"BOOL", 6, 8, 1, AI_KIND_BOOL},
    {"STRING", 7, 8, 1, AI_KIND_STRING},
};

#define AI_NDTYPES (sizeof(ai_dtypes) / sizeof(ai_dtypes[0]))

const ai_dtype *ai_dtype_from_name(const char *name, size_t len) {
    for (size_t i = 0; i < AI_NDTYPES; i++) {
        if (strlen(ai_dtypes[i].name) == len && strncasecmp(ai_dtypes[i].name, name, len) == 0) return &ai_dtypes[i];
    }
    return NULL;
}

const ai_dtype *ai_dtype_from_dlpack(uint64_t code, uint64_t bits) {
    for (size_t i = 0; i < AI_NDTYPES; i++) {
        if (ai_dtypes[i].code == code && ai_dtypes[i].bits == bits) return &ai_dtypes[i];
    }
    return NULL;
}

/* ===== Shape arithmetic ===== */

int ai_shape_nelems(const long long *dims, int ndims, size_t *nelems) {
    size_t n = 1;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] <= 0) return -1;
        if ((unsigned long long)dims[i] > SIZE_MAX) return -1;
        if (__builtin_mul_overflow(n, (size_t)dims[i], &n)) return -1;
    }
    *nelems = n;
    return 0;
}

/* ===== Internal helpers ===== */

/* Zero-filled allocation that may fail instead of aborting the server,
 * where the server offers TryCalloc (Valkey, Redis >= 7.4). */
static void *ai_zalloc_may_fail(size_t bytes) {
    if (RedisModule_TryCalloc != NULL) return RedisModule_TryCalloc(1, bytes);
    return RedisModule_Calloc(1, bytes);
}

/* A tensor with dtype and shape but no data yet; one reference. */
static ai_tensor *ai_tensor_header(const ai_dtype *dtype, const long long *dims, int ndims, size_t nelems) {
    ai_tensor *t = RedisModule_Calloc(1, sizeof(*t));
    t->dtype = dtype;
    t->ndims = ndims;
    if (ndims > 0) {
        t->dims = RedisModule_Alloc((size_t)ndims * sizeof(*t->dims));
        memcpy(t->dims, dims, (size_t)ndims * sizeof(*t->dims));
    }
    t->nelems = nelems;
    t->refcount = 1;
    return t;
}

static void ai_tensor_free(ai_tensor *t) {
    if (t->holder != NULL) RedisModule_FreeString(NULL, t->holder);
    if (t->owned != NULL) RedisModule_Free(t->owned);
    if (t->offsets != NULL) RedisModule_Free(t->offsets);
    if (t->dims != NULL) RedisModule_Free(t->dims);
    RedisModule_Free(t);
}

/*
 * Check that len bytes at p are valid data for dtype and shape. Returns
 * NULL and sets *nelems, or the error reply.
 *   numeric: len must be nelems * itemsize;
 *   BOOL:    additionally every byte is 0 or 1;
 *   STRING:  the data ends with NUL and holds exactly nelems NULs.
 */
static const char *ai_check_data(const ai_dtype *dtype, const long long *dims, int ndims, const char *p, size_t len,
                                 size_t *nelems) {
    size_t n, nbytes;

    if (dtype->kind == AI_KIND_STRING) {
        size_t count = 0;
        const char *cur = p, *end = p + len;
        if (ai_shape_nelems(dims, ndims, &n) != 0) return AI_ERR_STRING_COUNT;
        if (len == 0 || p[len - 1] != '\0') return AI_ERR_STRING_COUNT;
        while (cur < end && count <= n) {
            const char *nul = memchr(cur, '\0', (size_t)(end - cur));
            if (nul == NULL) break;
            count++;
            cur = nul + 1;
        }
        if (count != n) return AI_ERR_STRING_COUNT;
        *nelems = n;
        return NULL;
    }

    if (ai_shape_nelems(dims, ndims, &n) != 0) return AI_ERR_DATA_LENGTH;
    if (__builtin_mul_overflow(n, (size_t)dtype->itemsize, &nbytes)) return AI_ERR_DATA_LENGTH;
    if (nbytes != len) return AI_ERR_DATA_LENGTH;
    if (dtype->kind == AI_KIND_BOOL) {
        /* RedisAI 1.2 never checks the last byte; we check all of them
         * (see docs/decisions/0002-module-tensor-choices.md). */
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)p[i] > 1) return AI_ERR_BOOL_VALUE;
        }
    }
    *nelems = n;
    return NULL;
}

/* Start offset of each of the nelems NUL-terminated elements of a STRING
 * tensor's data (already validated by ai_check_data). */
static size_t *ai_string_offsets(const char *p, size_t len, size_t nelems) {
    size_t *offsets = RedisModule_Alloc(nelems * sizeof(*offsets));
    size_t k = 0;
    offsets[0] = 0;
    for (size_t i = 0; i + 1 < len && k + 1 < nelems; i++) {
        if (p[i] == '\0') offsets[++k] = i + 1;
    }
    return offsets;
}

/* ===== Constructors ===== */

ai_tensor *ai_tensor_new_zeroed(const ai_dtype *dtype, const long long *dims, int ndims, const char **err) {
    size_t nelems, nbytes, total;
    ai_tensor *t;
    char *buf;

    /* Sized by the shape alone: refuse what overflows or exceeds the
     * zero-fill limit (see AI_TENSOR_MAX_ZEROFILL_BYTES) with the shape error. */
    if (ai_shape_nelems(dims, ndims, &nelems) != 0 ||
        __builtin_mul_overflow(nelems, (size_t)dtype->itemsize, &nbytes)) {
        *err = AI_ERR_SHAPE;
        return NULL;
    }
    total = nbytes;
    if (dtype->kind == AI_KIND_STRING &&
        (__builtin_mul_overflow(nelems, sizeof(size_t), &total) || __builtin_add_overflow(total, nbytes, &total))) {
        *err = AI_ERR_SHAPE;
        return NULL;
    }
    if (total > AI_TENSOR_MAX_ZEROFILL_BYTES) {
        *err = AI_ERR_SHAPE;
        return NULL;
    }

    buf = ai_zalloc_may_fail(nbytes);
    if (buf == NULL) {
        *err = AI_ERR_SAVE;
        return NULL;
    }
    t = ai_tensor_header(dtype, dims, ndims, nelems);
    t->owned = buf;
    t->data = buf;
    t->nbytes = nbytes;
    if (dtype->kind == AI_KIND_STRING) {
        /* Every element is the empty string: one NUL each. */
        t->offsets = ai_zalloc_may_fail(nelems * sizeof(*t->offsets));
        if (t->offsets == NULL) {
            ai_tensor_free(t);
            *err = AI_ERR_SAVE;
            return NULL;
        }
        for (size_t i = 0; i < nelems; i++) t->offsets[i] = i;
    }
    return t;
}

ai_tensor *ai_tensor_new_from_blob(const ai_dtype *dtype, const long long *dims, int ndims, RedisModuleString *blob,
                                   const char **err) {
    size_t len, nelems;
    const char *p = RedisModule_StringPtrLen(blob, &len);
    const char *e = ai_check_data(dtype, dims, ndims, p, len, &nelems);
    ai_tensor *t;

    if (e != NULL) {
        *err = e;
        return NULL;
    }
    t = ai_tensor_header(dtype, dims, ndims, nelems);
    if (dtype->kind == AI_KIND_STRING) t->offsets = ai_string_offsets(p, len, nelems);

    /* Zero copy: keep the argument itself. A large argument may carry the
     * unused tail of the client's query buffer, so trim it before keeping
     * it; trimming may move the bytes, hence StringPtrLen afterwards. */
    if (RedisModule_TrimStringAllocation != NULL) RedisModule_TrimStringAllocation(blob);
    RedisModule_RetainString(NULL, blob);
    t->holder = blob;
    t->data = RedisModule_StringPtrLen(blob, &t->nbytes);
    return t;
}

/*
 * VALUES element rules for integer dtypes.
 *
 * Deliberate compatibility choice: RedisAI 1.2 rejects every negative value
 * for the signed types (its range check works on the value cast to
 * unsigned), so INT8..INT64 accept only 0..2^(bits-1)-1 through VALUES,
 * and clients and the RedisAI test suite rely on "ERR invalid value" for
 * e.g. "INT8 2 VALUES -1 -128". We keep that behaviour; negative integers
 * can still be stored with BLOB.
 */
static int ai_integer_in_range(const ai_dtype *dtype, long long v) {
    if (v < 0) return 0;
    switch (dtype->kind) {
    case AI_KIND_INT:
        return dtype->bits >= 64 || v <= (long long)((1ULL << (dtype->bits - 1)) - 1);
    case AI_KIND_UINT:
        return v <= (long long)((1ULL << dtype->bits) - 1);
    case AI_KIND_BOOL:
        return v <= 1;
    default:
        return 0;
    }
}

static void ai_store_integer(char *dst, const ai_dtype *dtype, long long v) {
    switch (dtype->bits) {
    case 8: {
        uint8_t x = (uint8_t)v;
        memcpy(dst, &x, sizeof(x));
        break;
    }
    case 16: {
        uint16_t x = (uint16_t)v;
        memcpy(dst, &x, sizeof(x));
        break;
    }
    case 32: {
        uint32_t x = (uint32_t)v;
        memcpy(dst, &x, sizeof(x));
        break;
    }
    default: {
        int64_t x = (int64_t)v;
        memcpy(dst, &x, sizeof(x));
        break;
    }
    }
}

/* STRING VALUES: one argument per element, NUL-terminated in storage. */
static ai_tensor *ai_string_from_values(const ai_dtype *dtype, const long long *dims, int ndims,
                                        RedisModuleString **values, size_t nvalues, const char **err) {
    size_t total = 0, pos = 0;
    char *buf;
    size_t *offsets;
    ai_tensor *t;

    /* An element may end with one NUL (stripped); any other NUL is an
     * error. Like RedisAI, an empty argument is rejected with the same
     * message (its check underflows on length 0). */
    for (size_t i = 0; i < nvalues; i++) {
        size_t len, slen;
        const char *p = RedisModule_StringPtrLen(values[i], &len);
        const char *nul = len ? memchr(p, '\0', len) : NULL;
        slen = nul ? (size_t)(nul - p) : len;
        if (len == 0 || slen + 1 < len) {
            *err = AI_ERR_CSTRING_NUL;
            return NULL;
        }
        total += slen + 1;
    }

    buf = RedisModule_Alloc(total);
    offsets = RedisModule_Alloc(nvalues * sizeof(*offsets));
    for (size_t i = 0; i < nvalues; i++) {
        size_t len;
        const char *p = RedisModule_StringPtrLen(values[i], &len);
        const char *nul = memchr(p, '\0', len);
        size_t slen = nul ? (size_t)(nul - p) : len;
        offsets[i] = pos;
        memcpy(buf + pos, p, slen);
        buf[pos + slen] = '\0';
        pos += slen + 1;
    }
    t = ai_tensor_header(dtype, dims, ndims, nvalues);
    t->owned = buf;
    t->data = buf;
    t->nbytes = total;
    t->offsets = offsets;
    return t;
}

ai_tensor *ai_tensor_new_from_values(const ai_dtype *dtype, const long long *dims, int ndims,
                                     RedisModuleString **values, size_t nvalues, const char **err) {
    size_t nelems, nbytes;
    char *buf;
    ai_tensor *t;

    if (ai_shape_nelems(dims, ndims, &nelems) != 0 || nelems != nvalues) {
        *err = AI_ERR_VALUES_COUNT;
        return NULL;
    }
    if (dtype->kind == AI_KIND_STRING) return ai_string_from_values(dtype, dims, ndims, values, nvalues, err);

    nbytes = nelems * dtype->itemsize; /* nelems == nvalues: bounded by the command size */
    buf = RedisModule_Alloc(nbytes);
    for (size_t i = 0; i < nelems; i++) {
        char *dst = buf + i * dtype->itemsize;
        if (dtype->kind == AI_KIND_FLOAT) {
            double d;
            /* The server's own double parser: strtod syntax, NaN rejected. */
            if (RedisModule_StringToDouble(values[i], &d) != REDISMODULE_OK) goto invalid;
            if (dtype->bits == 32) {
                float f = (float)d;
                memcpy(dst, &f, sizeof(f));
            } else {
                memcpy(dst, &d, sizeof(d));
            }
        } else {
            long long v;
            /* Strict 64-bit integer syntax (no spaces, no '+', no leading zeros). */
            if (RedisModule_StringToLongLong(values[i], &v) != REDISMODULE_OK) goto invalid;
            if (!ai_integer_in_range(dtype, v)) goto invalid;
            ai_store_integer(dst, dtype, v);
        }
    }
    t = ai_tensor_header(dtype, dims, ndims, nelems);
    t->owned = buf;
    t->data = buf;
    t->nbytes = nbytes;
    return t;

invalid:
    RedisModule_Free(buf);
    *err = AI_ERR_INVALID_VALUE;
    return NULL;
}

ai_tensor *ai_tensor_new_from_buffer(const ai_dtype *dtype, const long long *dims, int ndims, char *buf,
                                     size_t len, const char **err) {
    size_t nelems;
    const char *e = ai_check_data(dtype, dims, ndims, buf, len, &nelems);
    ai_tensor *t;

    if (e != NULL) {
        RedisModule_Free(buf);
        *err = e;
        return NULL;
    }
    t = ai_tensor_header(dtype, dims, ndims, nelems);
    t->owned = buf;
    t->data = buf;
    t->nbytes = len;
    if (dtype->kind == AI_KIND_STRING) t->offsets = ai_string_offsets(buf, len, nelems);
    return t;
}

/* ===== Reference counting ===== */

ai_tensor *ai_tensor_retain(ai_tensor *t) {
    __atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED);
    return t;
}

void ai_tensor_release(ai_tensor *t) {
    if (t == NULL) return;
    if (__atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) == 0) ai_tensor_free(t);
}

size_t ai_tensor_mem_usage(const ai_tensor *t) {
    size_t n = sizeof(*t) + (size_t)t->ndims * sizeof(*t->dims) + t->nbytes;
    if (t->offsets != NULL) n += t->nelems * sizeof(*t->offsets);
    return n;
}

/* ===== Element accessors ===== */

long long ai_tensor_get_integer(const ai_tensor *t, size_t i) {
    const char *p = t->data + i * t->dtype->itemsize;
    int is_signed = t->dtype->kind == AI_KIND_INT;

    switch (t->dtype->bits) {
    case 8: {
        uint8_t x;
        memcpy(&x, p, sizeof(x));
        return is_signed ? (long long)(int8_t)x : (long long)x;
    }
    case 16: {
        uint16_t x;
        memcpy(&x, p, sizeof(x));
        return is_signed ? (long long)(int16_t)x : (long long)x;
    }
    case 32: {
        uint32_t x;
        memcpy(&x, p, sizeof(x));
        return is_signed ? (long long)(int32_t)x : (long long)x;
    }
    default: {
        int64_t x;
        memcpy(&x, p, sizeof(x));
        return (long long)x;
    }
    }
}

double ai_tensor_get_double(const ai_tensor *t, size_t i) {
    const char *p = t->data + i * t->dtype->itemsize;
    if (t->dtype->bits == 32) {
        float f;
        memcpy(&f, p, sizeof(f));
        return (double)f;
    }
    double d;
    memcpy(&d, p, sizeof(d));
    return d;
}

const char *ai_tensor_get_string(const ai_tensor *t, size_t i, size_t *len) {
    size_t start = t->offsets[i];
    size_t end = (i + 1 < t->nelems) ? t->offsets[i + 1] : t->nbytes;
    *len = end - start - 1; /* without the element's NUL */
    return t->data + start;
}
