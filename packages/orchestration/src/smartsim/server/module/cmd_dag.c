/*
 * cmd_dag.c -- AI.DAGEXECUTE and AI.DAGEXECUTE_RO (and the deprecated AI.DAGRUN, AI.DAGRUN_RO, whose
 * model/script ops use the MODELRUN/SCRIPTRUN syntax): several tensor, model and script operations
 * run against a DAG-local tensor context, with LOAD from and PERSIST to the keyspace.
 *
 * The whole command is parsed and validated on the main thread (LOAD tensors are resolved and
 * retained, TENSORSET tensors are built, every op input must be LOADed or produced by an earlier
 * op). Then the caller is blocked and the ops run in order: TENSORSET/TENSORGET at once, each
 * MODELEXECUTE/SCRIPTEXECUTE as an internal job on its device queue (queue.c), handed to workers
 * through the ordinary worker protocol; the next op starts when the job's outcome arrives. The
 * first failing op marks the DAG failed and the remaining ops are skipped. The reply callback
 * writes the PERSIST tensors (only if nothing failed) and replies one element per op. Ops run one
 * after the other even across devices (RedisAI may overlap independent ops on different devices).
 * Everything runs on the main thread.
 */
#include "cmd_dag.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd_execute.h"
#include "job.h"
#include "queue.h"
#include "tensor.h"
#include "type_tensor.h"

#define AI_ERR_IN_TRANSACTION "ERR Cannot run RedisAI command within a transaction or a LUA script"
#define AI_ERR_TENSOR_EMPTY "ERR tensor key is empty or in a different shard"
#define AI_ERR_INPUT_NOT_FOUND "ERR INPUT key cannot be found in DAG"
#define AI_ERR_BLOB_ARITY "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"

typedef enum { AI_OP_TENSORSET, AI_OP_TENSORGET, AI_OP_MODEL, AI_OP_SCRIPT } ai_op_kind;
enum { AI_OP_PENDING, AI_OP_OK, AI_OP_FAILED, AI_OP_SKIPPED };
enum { AI_FMT_META = 1 << 0, AI_FMT_BLOB = 1 << 1, AI_FMT_VALUES = 1 << 2 };

/* ===== Internal data structures ===== */

typedef struct ai_dag_op {
    ai_op_kind kind;
    int status;
    char *error;            /* Alloc'd, FAILED only */
    RedisModuleString *name; /* TENSORSET target / TENSORGET source, retained */
    ai_tensor *tensor;      /* TENSORSET value; TENSORGET result */
    int fmt;                /* TENSORGET format */
    AIModel *model;         /* MODEL: retained */
    AIScript *script;       /* SCRIPT: retained */
    RedisModuleString *key; /* model/script key, retained */
    RedisModuleString *function;
    RedisModuleString **ins, **outs, **keys, **args; /* retained */
    size_t nin, nout, nkeys, nargs;
} ai_dag_op;

typedef struct ai_dag_var {
    RedisModuleString *name; /* retained */
    ai_tensor *tensor;
} ai_dag_var;

typedef struct ai_dag {
    RedisModuleBlockedClient *bc; /* NULL once unblocked or disconnected */
    ai_dag_op *ops;
    size_t nops, next;
    ai_dag_var *vars; /* the local context; later entries shadow earlier ones */
    size_t nvars, capvars;
    RedisModuleString **persist; /* retained */
    size_t npersist;
    long long timeout_ms, deadline_ms;
    int failed, timedout, gone, running;
    struct ai_dag *live_prev, *live_next;
} ai_dag;

static ai_dag *ai_dags = NULL; /* DAGs whose caller is blocked */

static int ai_arg_is(RedisModuleString *s, const char *word) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

static int ai_str_eq(RedisModuleString *a, RedisModuleString *b) {
    size_t la, lb;
    const char *pa = RedisModule_StringPtrLen(a, &la), *pb = RedisModule_StringPtrLen(b, &lb);
    return la == lb && memcmp(pa, pb, la) == 0;
}

static RedisModuleString *ai_retain(RedisModuleString *s) {
    RedisModule_RetainString(NULL, s);
    return s;
}

static RedisModuleString **ai_retain_all(RedisModuleString **v, size_t n) {
    RedisModuleString **out = n ? RedisModule_Calloc(n, sizeof(*out)) : NULL;
    for (size_t i = 0; i < n; i++) out[i] = ai_retain(v[i]);
    return out;
}

static void ai_free_all(RedisModuleString **v, size_t n) {
    if (v == NULL) return;
    for (size_t i = 0; i < n; i++) RedisModule_FreeString(NULL, v[i]);
    RedisModule_Free(v);
}

/* ===== The DAG value ===== */

static void ai_dag_free(ai_dag *dag) {
    if (dag == NULL) return;
    for (size_t i = 0; i < dag->nops; i++) {
        ai_dag_op *op = &dag->ops[i];
        if (op->error) RedisModule_Free(op->error);
        if (op->name) RedisModule_FreeString(NULL, op->name);
        ai_tensor_release(op->tensor);
        if (op->model) ai_model_release(op->model);
        if (op->script) ai_script_release(op->script);
        if (op->key) RedisModule_FreeString(NULL, op->key);
        if (op->function) RedisModule_FreeString(NULL, op->function);
        ai_free_all(op->ins, op->nin);
        ai_free_all(op->outs, op->nout);
        ai_free_all(op->keys, op->nkeys);
        ai_free_all(op->args, op->nargs);
    }
    RedisModule_Free(dag->ops);
    for (size_t i = 0; i < dag->nvars; i++) {
        RedisModule_FreeString(NULL, dag->vars[i].name);
        ai_tensor_release(dag->vars[i].tensor);
    }
    if (dag->vars) RedisModule_Free(dag->vars);
    ai_free_all(dag->persist, dag->npersist);
    RedisModule_Free(dag);
}

/* Add name = tensor to the local context (both retained). */
static void ai_dag_set(ai_dag *dag, RedisModuleString *name, ai_tensor *t) {
    if (dag->nvars == dag->capvars) {
        dag->capvars = dag->capvars ? dag->capvars * 2 : 8;
        dag->vars = RedisModule_Realloc(dag->vars, dag->capvars * sizeof(*dag->vars));
    }
    dag->vars[dag->nvars].name = ai_retain(name);
    dag->vars[dag->nvars].tensor = ai_tensor_retain(t);
    dag->nvars++;
}

static ai_tensor *ai_dag_get(ai_dag *dag, RedisModuleString *name) {
    for (size_t i = dag->nvars; i-- > 0;)
        if (ai_str_eq(dag->vars[i].name, name)) return dag->vars[i].tensor;
    return NULL;
}

/* ===== Replies ===== */

static void ai_reply_tensor(RedisModuleCtx *ctx, const ai_tensor *t, int fmt) {
    int f = fmt ? fmt : AI_FMT_META | AI_FMT_BLOB; /* no option: META BLOB, as AI.TENSORGET */
    int meta = (f & AI_FMT_META) != 0, blob = (f & AI_FMT_BLOB) != 0, values = (f & AI_FMT_VALUES) != 0;

    if (!meta) {
        if (blob) {
            RedisModule_ReplyWithStringBuffer(ctx, t->data, t->nbytes);
            return;
        }
    } else {
        RedisModule_ReplyWithArray(ctx, (blob || values) ? 6 : 4);
        RedisModule_ReplyWithCString(ctx, "dtype");
        RedisModule_ReplyWithCString(ctx, t->dtype->name);
        RedisModule_ReplyWithCString(ctx, "shape");
        RedisModule_ReplyWithArray(ctx, t->ndims);
        for (int i = 0; i < t->ndims; i++) RedisModule_ReplyWithLongLong(ctx, t->dims[i]);
        if (blob) {
            RedisModule_ReplyWithCString(ctx, "blob");
            RedisModule_ReplyWithStringBuffer(ctx, t->data, t->nbytes);
            return;
        }
        if (!values) return;
        RedisModule_ReplyWithCString(ctx, "values");
    }
    RedisModule_ReplyWithArray(ctx, (long)t->nelems);
    for (size_t i = 0; i < t->nelems; i++) {
        if (t->dtype->kind == AI_KIND_FLOAT) {
            RedisModule_ReplyWithDouble(ctx, ai_tensor_get_double(t, i));
        } else if (t->dtype->kind == AI_KIND_STRING) {
            size_t len;
            const char *s = ai_tensor_get_string(t, i, &len);
            RedisModule_ReplyWithStringBuffer(ctx, s, len);
        } else {
            RedisModule_ReplyWithLongLong(ctx, ai_tensor_get_integer(t, i));
        }
    }
}

/* Write one tensor to a key and replicate it as AI.TENSORSET ... BLOB (the key was type-checked). */
static void ai_persist_one(RedisModuleCtx *ctx, RedisModuleString *keyname, ai_tensor *t) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ | REDISMODULE_WRITE);
    RedisModuleString *small[8], **dims = small;

    if (RedisModule_ModuleTypeSetValue(key, ai_tensor_type, ai_tensor_retain(t)) != REDISMODULE_OK) {
        ai_tensor_release(t);
        RedisModule_CloseKey(key);
        return;
    }
    RedisModule_CloseKey(key);
    if ((size_t)t->ndims > sizeof(small) / sizeof(small[0])) dims = RedisModule_Alloc((size_t)t->ndims * sizeof(*dims));
    for (int d = 0; d < t->ndims; d++) dims[d] = RedisModule_CreateStringFromLongLong(ctx, t->dims[d]);
    RedisModule_Replicate(ctx, "AI.TENSORSET", "scvcb", keyname, t->dtype->name, dims, (size_t)t->ndims, "BLOB",
                          t->data, t->nbytes);
    for (int d = 0; d < t->ndims; d++) RedisModule_FreeString(ctx, dims[d]);
    if (dims != small) RedisModule_Free(dims);
}

/*
 * Reply callback of a blocked DAG caller. Called by the server on the main thread, in the
 * caller's context, after ai_dag_finish unblocked it with the DAG as private data (freed by
 * ai_dag_free_cb). Persists (all or none) and replies one element per op.
 */
static int ai_dag_reply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ai_dag *dag = RedisModule_GetBlockedClientPrivateData(ctx);
    int persist_wrongtype = 0;

    if (dag == NULL) return RedisModule_ReplyWithError(ctx, "ERR request aborted");
    if (dag->timedout) return RedisModule_ReplyWithSimpleString(ctx, "TIMEDOUT");
    if (!dag->failed) {
        for (size_t i = 0; i < dag->npersist && !persist_wrongtype; i++) {
            RedisModuleKey *key = RedisModule_OpenKey(ctx, dag->persist[i], REDISMODULE_READ);
            persist_wrongtype = RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_EMPTY &&
                                RedisModule_ModuleTypeGetType(key) != ai_tensor_type;
            RedisModule_CloseKey(key);
        }
        for (size_t i = 0; i < dag->npersist && !persist_wrongtype; i++) {
            ai_tensor *t = ai_dag_get(dag, dag->persist[i]);
            if (t != NULL) ai_persist_one(ctx, dag->persist[i], t);
        }
    }
    RedisModule_ReplyWithArray(ctx, (long)dag->nops + (persist_wrongtype ? 1 : 0));
    for (size_t i = 0; i < dag->nops; i++) {
        ai_dag_op *op = &dag->ops[i];
        if (op->status == AI_OP_FAILED)
            RedisModule_ReplyWithError(ctx, op->error);
        else if (op->status != AI_OP_OK)
            RedisModule_ReplyWithSimpleString(ctx, "NA");
        else if (op->kind == AI_OP_TENSORGET)
            ai_reply_tensor(ctx, op->tensor, op->fmt);
        else
            RedisModule_ReplyWithSimpleString(ctx, "OK");
    }
    if (persist_wrongtype) RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    return REDISMODULE_OK;
}

/* Free callback of the DAG caller's private data (main thread, after the reply callback or
 * without it when the caller disconnected). */
static void ai_dag_free_cb(RedisModuleCtx *ctx, void *privdata) {
    ai_dag_free(privdata);
}

static void ai_dag_live_remove(ai_dag *dag) {
    if (dag->live_prev)
        dag->live_prev->live_next = dag->live_next;
    else if (ai_dags == dag)
        ai_dags = dag->live_next;
    if (dag->live_next) dag->live_next->live_prev = dag->live_prev;
    dag->live_prev = dag->live_next = NULL;
}

/* All ops done (or timed out): unblock the caller with the DAG, or free it if the caller left. */
static void ai_dag_finish(ai_dag *dag) {
    RedisModuleBlockedClient *bc = dag->bc;
    if (bc == NULL) {
        ai_dag_free(dag);
        return;
    }
    ai_dag_live_remove(dag);
    dag->bc = NULL;
    if (RedisModule_BlockedClientMeasureTimeEnd != NULL) RedisModule_BlockedClientMeasureTimeEnd(bc);
    RedisModule_UnblockClient(bc, dag);
}

/*
 * Disconnect callback of a blocked DAG caller (main thread). The DAG stops: freed at once, or when
 * the op running on a worker reports.
 */
static void ai_dag_disconnected(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc) {
    ai_dag *dag;
    for (dag = ai_dags; dag != NULL && dag->bc != bc; dag = dag->live_next) {
    }
    if (dag == NULL) return;
    ai_dag_live_remove(dag);
    dag->bc = NULL;
    dag->gone = 1;
    RedisModule_UnblockClient(bc, NULL);
    if (!dag->running) ai_dag_free(dag);
}

/* ===== Execution ===== */

static void ai_dag_advance(RedisModuleCtx *ctx, ai_dag *dag);

/* on_done of an op's internal job (main thread): record the op's outcome, continue the DAG. */
static void ai_dag_op_done(RedisModuleCtx *ctx, ai_job *job) {
    ai_dag *dag = job->owner;
    ai_dag_op *op = &dag->ops[dag->next];

    dag->running = 0;
    if (job->timedout) {
        dag->timedout = 1;
    } else if (job->error != NULL) {
        size_t len = strlen(job->error);
        op->status = AI_OP_FAILED;
        op->error = RedisModule_Alloc(len + 1);
        memcpy(op->error, job->error, len + 1);
        dag->failed = 1;
    } else {
        for (size_t i = 0; i < job->nresults && i < op->nout; i++) ai_dag_set(dag, op->outs[i], job->results[i]);
        op->status = AI_OP_OK;
    }
    ai_job_free(job);
    if (dag->gone) {
        ai_dag_free(dag);
        return;
    }
    if (dag->timedout) {
        ai_dag_finish(dag);
        return;
    }
    dag->next++;
    ai_dag_advance(ctx, dag);
}

static ai_job *ai_dag_op_job(ai_dag *dag, ai_dag_op *op) {
    ai_job *job = ai_job_new(op->kind == AI_OP_MODEL ? AI_JOB_MODEL : AI_JOB_SCRIPT);
    size_t len;
    const char *p = RedisModule_StringPtrLen(op->key, &len);

    job->key = RedisModule_Alloc(len + 1);
    memcpy(job->key, p, len);
    job->key[len] = '\0';
    job->keylen = len;
    if (op->kind == AI_OP_MODEL) {
        job->model = ai_model_retain(op->model);
        job->backend = ai_model_backend(op->model);
        job->device = ai_model_device(op->model);
    } else {
        p = RedisModule_StringPtrLen(op->function, &len);
        job->script = ai_script_retain(op->script);
        job->backend = AI_BACKEND_TORCH;
        job->device = ai_script_device(op->script);
        job->function = RedisModule_Alloc(len + 1);
        memcpy(job->function, p, len);
        job->function[len] = '\0';
        job->function_len = len;
        job->entry_point = ai_script_has_entry_point(op->script, p, len) ? 1 : 0;
        job->keys = ai_retain_all(op->keys, op->nkeys);
        job->nkeys = op->nkeys;
        job->args = ai_retain_all(op->args, op->nargs);
        job->nargs = op->nargs;
    }
    job->inputs = op->nin ? RedisModule_Calloc(op->nin, sizeof(*job->inputs)) : NULL;
    for (size_t i = 0; i < op->nin; i++) {
        job->inputs[i] = ai_tensor_retain(ai_dag_get(dag, op->ins[i]));
        job->ninputs = i + 1;
    }
    job->outputs = ai_retain_all(op->outs, op->nout);
    job->noutputs = op->nout;
    job->on_done = ai_dag_op_done;
    job->owner = dag;
    return job;
}

/* Run ops from dag->next until one has to wait for a worker, or the DAG is done. */
static void ai_dag_advance(RedisModuleCtx *ctx, ai_dag *dag) {
    for (; dag->next < dag->nops; dag->next++) {
        ai_dag_op *op = &dag->ops[dag->next];
        if (dag->failed) {
            op->status = AI_OP_SKIPPED;
            continue;
        }
        if (op->kind == AI_OP_TENSORSET) {
            ai_dag_set(dag, op->name, op->tensor);
            op->status = AI_OP_OK;
        } else if (op->kind == AI_OP_TENSORGET) {
            ai_tensor *t = ai_dag_get(dag, op->name);
            op->tensor = ai_tensor_retain(t);
            op->status = t ? AI_OP_OK : AI_OP_SKIPPED;
        } else {
            ai_job *job;
            long long left = 0;
            if (dag->timeout_ms > 0 && (left = dag->deadline_ms - RedisModule_Milliseconds()) <= 0) {
                dag->timedout = 1;
                break;
            }
            job = ai_dag_op_job(dag, op);
            if (!ai_queue_has_worker(job->device, job->backend)) {
                /* The last worker left while the DAG ran: fail this op, never wait. */
                char msg[200];
                ai_queue_no_worker_text(msg, sizeof(msg), job->device, job->backend);
                op->error = RedisModule_Alloc(strlen(msg) + 1);
                memcpy(op->error, msg, strlen(msg) + 1);
                op->status = AI_OP_FAILED;
                dag->failed = 1;
                ai_job_free(job);
                continue;
            }
            job->timeout_ms = left;
            dag->running = 1;
            ai_queue_submit_internal(ctx, job);
            return;
        }
    }
    ai_dag_finish(dag);
}

/* ===== Parsing ===== */

/* Names an op may read: LOAD keys, TENSORSET targets and outputs of earlier ops. */
typedef struct ai_known {
    RedisModuleString **v;
    size_t n, cap;
} ai_known;

static void ai_known_add(ai_known *k, RedisModuleString *s) {
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 16;
        k->v = RedisModule_Realloc(k->v, k->cap * sizeof(*k->v));
    }
    k->v[k->n++] = s;
}

static int ai_known_has(const ai_known *k, RedisModuleString *s) {
    for (size_t i = 0; i < k->n; i++)
        if (ai_str_eq(k->v[i], s)) return 1;
    return 0;
}

/* AI.TENSORSET inside a DAG: builds the tensor now. Replies the error and returns -1 on failure. */
static int ai_dag_parse_tensorset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, ai_dag_op *op) {
    const ai_dtype *dtype;
    size_t len;
    const char *p;
    long long dims[64];
    int ndims = 0, pos;
    const char *err = NULL;

    if (argc < 3) return RedisModule_ReplyWithError(ctx, "wrong number of arguments for 'AI.TENSORSET' command"), -1;
    p = RedisModule_StringPtrLen(argv[2], &len);
    if ((dtype = ai_dtype_from_name(p, len)) == NULL) return RedisModule_ReplyWithError(ctx, AI_ERR_INVALID_DTYPE), -1;
    for (pos = 3; pos < argc; pos++) {
        long long d;
        if (ai_arg_is(argv[pos], "BLOB")) {
            if (pos != argc - 2) return RedisModule_ReplyWithError(ctx, AI_ERR_BLOB_ARITY), -1;
            op->tensor = ai_tensor_new_from_blob(dtype, dims, ndims, argv[pos + 1], &err);
            break;
        }
        if (ai_arg_is(argv[pos], "VALUES")) {
            op->tensor = ai_tensor_new_from_values(dtype, dims, ndims, argv + pos + 1, (size_t)(argc - pos - 1), &err);
            break;
        }
        if (ndims == 64 || RedisModule_StringToLongLong(argv[pos], &d) != REDISMODULE_OK || d <= 0)
            return RedisModule_ReplyWithError(ctx, AI_ERR_SHAPE), -1;
        dims[ndims++] = d;
    }
    if (pos == argc) op->tensor = ai_tensor_new_zeroed(dtype, dims, ndims, &err);
    if (op->tensor == NULL) return RedisModule_ReplyWithError(ctx, err), -1;
    op->name = ai_retain(argv[1]);
    return 0;
}

static int ai_dag_parse_tensorget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, ai_dag_op *op) {
    if (argc < 2 || argc > 4)
        return RedisModule_ReplyWithError(ctx, "wrong number of arguments for 'AI.TENSORGET' command"), -1;
    for (int i = 2; i < argc; i++) {
        if (ai_arg_is(argv[i], "META"))
            op->fmt |= AI_FMT_META;
        else if (ai_arg_is(argv[i], "BLOB"))
            op->fmt |= AI_FMT_BLOB;
        else if (ai_arg_is(argv[i], "VALUES"))
            op->fmt |= AI_FMT_VALUES;
        else
            return RedisModule_ReplyWithError(ctx, "ERR unsupported data format"), -1;
    }
    if ((op->fmt & AI_FMT_BLOB) && (op->fmt & AI_FMT_VALUES))
        return RedisModule_ReplyWithError(ctx, "ERR both BLOB and VALUES specified"), -1;
    op->name = ai_retain(argv[1]);
    return 0;
}

#define AI_OP_FAIL(msg) return RedisModule_ReplyWithError(ctx, (msg)), -1

/* Parse one op (argv[0] is its command name). Replies the error and returns -1 on failure. */
static int ai_dag_parse_op(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int ro, int deprecated,
                           ai_dag_op *op, ai_known *known) {
    if (ai_arg_is(argv[0], "AI.TENSORSET")) {
        op->kind = AI_OP_TENSORSET;
        if (ai_dag_parse_tensorset(ctx, argv, argc, op) != 0) return -1;
        ai_known_add(known, argv[1]);
        return 0;
    }
    if (ai_arg_is(argv[0], "AI.TENSORGET")) {
        op->kind = AI_OP_TENSORGET;
        if (ai_dag_parse_tensorget(ctx, argv, argc, op) != 0) return -1;
        if (!ai_known_has(known, argv[1])) return RedisModule_ReplyWithError(ctx, AI_ERR_INPUT_NOT_FOUND), -1;
        return 0;
    }
    if (deprecated && (ai_arg_is(argv[0], "AI.MODELEXECUTE") || ai_arg_is(argv[0], "AI.SCRIPTEXECUTE"))) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s cannot be used in a deprecated AI.DAGRUN command",
                 ai_arg_is(argv[0], "AI.MODELEXECUTE") ? "AI.MODELEXECUTE" : "AI.SCRIPTEXECUTE");
        return RedisModule_ReplyWithError(ctx, msg), -1;
    }
    if (deprecated && ai_arg_is(argv[0], "AI.MODELRUN")) {
        ai_modelexecute_args a;
        op->kind = AI_OP_MODEL;
        if (ai_parse_modelrun(ctx, argv, argc, 1, &a) != 0) return -1;
        op->model = ai_model_retain(a.model);
        op->key = ai_retain(argv[1]);
        op->ins = ai_retain_all(argv + a.in_start, (size_t)a.nin);
        op->nin = (size_t)a.nin;
        op->outs = ai_retain_all(argv + a.out_start, (size_t)a.nout);
        op->nout = (size_t)a.nout;
    } else if (deprecated && ai_arg_is(argv[0], "AI.SCRIPTRUN")) {
        AIScript *script;
        long long timeout = 0;
        char *kind;
        op->kind = AI_OP_SCRIPT;
        if (ro) AI_OP_FAIL("ERR AI.SCRIPTRUN command cannot be specified in a read-only DAG");
        if (argc < 3) AI_OP_FAIL("ERR wrong number of arguments for 'AI.SCRIPTRUN' command");
        if (ai_script_from_key(ctx, argv[1], &script) != REDISMODULE_OK) return -1;
        kind = RedisModule_Calloc((size_t)argc, 1);
        if (ai_parse_scriptrun(ctx, argv, argc, 1, kind, &timeout) != 0) {
            RedisModule_Free(kind);
            return -1;
        }
        op->script = ai_script_retain(script);
        op->key = ai_retain(argv[1]);
        op->function = ai_retain(argv[2]);
        op->ins = RedisModule_Calloc((size_t)argc, sizeof(*op->ins));
        op->outs = RedisModule_Calloc((size_t)argc, sizeof(*op->outs));
        for (int i = 3; i < argc; i++) {
            if (kind[i] == 'i') op->ins[op->nin++] = ai_retain(argv[i]);
            if (kind[i] == 'o') op->outs[op->nout++] = ai_retain(argv[i]);
        }
        RedisModule_Free(kind);
    } else if (!deprecated && ai_arg_is(argv[0], "AI.MODELEXECUTE")) {
        ai_modelexecute_args a;
        op->kind = AI_OP_MODEL;
        if (ai_parse_modelexecute(ctx, argv, argc, 1, &a) != 0) return -1;
        op->model = ai_model_retain(a.model);
        op->key = ai_retain(argv[1]);
        op->ins = ai_retain_all(argv + a.in_start, (size_t)a.nin);
        op->nin = (size_t)a.nin;
        op->outs = ai_retain_all(argv + a.out_start, (size_t)a.nout);
        op->nout = (size_t)a.nout;
    } else if (!deprecated && ai_arg_is(argv[0], "AI.SCRIPTEXECUTE")) {
        ai_scopes sc;
        AIScript *script;
        op->kind = AI_OP_SCRIPT;
        if (ro) AI_OP_FAIL("ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG");
        if (argc < 3)
            return RedisModule_ReplyWithError(ctx, "ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command"), -1;
        if (ai_script_from_key(ctx, argv[1], &script) != REDISMODULE_OK) return -1;
        if (ai_parse_script_scopes(ctx, argv, argc, 1, &sc) != 0) return -1;
        op->script = ai_script_retain(script);
        op->key = ai_retain(argv[1]);
        op->function = ai_retain(argv[2]);
        op->ins = ai_retain_all(argv + sc.start[AI_SCOPE_INPUTS], (size_t)sc.count[AI_SCOPE_INPUTS]);
        op->nin = (size_t)sc.count[AI_SCOPE_INPUTS];
        op->outs = ai_retain_all(argv + sc.start[AI_SCOPE_OUTPUTS], (size_t)sc.count[AI_SCOPE_OUTPUTS]);
        op->nout = (size_t)sc.count[AI_SCOPE_OUTPUTS];
        op->keys = ai_retain_all(argv + sc.start[AI_SCOPE_KEYS], (size_t)sc.count[AI_SCOPE_KEYS]);
        op->nkeys = (size_t)sc.count[AI_SCOPE_KEYS];
        op->args = ai_retain_all(argv + sc.start[AI_SCOPE_ARGS], (size_t)sc.count[AI_SCOPE_ARGS]);
        op->nargs = (size_t)sc.count[AI_SCOPE_ARGS];
    } else if (!deprecated && ai_arg_is(argv[0], "AI.MODELRUN")) {
        return RedisModule_ReplyWithError(ctx, "Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command"), -1;
    } else if (!deprecated && ai_arg_is(argv[0], "AI.SCRIPTRUN")) {
        return RedisModule_ReplyWithError(ctx, "Deprecated AI.SCRIPTRUN cannot be used in AI.DAGEXECUTE command"), -1;
    } else {
        return RedisModule_ReplyWithError(ctx, "Unsupported command within DAG"), -1;
    }
    for (size_t i = 0; i < op->nin; i++)
        if (!ai_known_has(known, op->ins[i])) return RedisModule_ReplyWithError(ctx, AI_ERR_INPUT_NOT_FOUND), -1;
    for (size_t i = 0; i < op->nout; i++) ai_known_add(known, op->outs[i]);
    return 0;
}

/* Parse the header (LOAD / PERSIST / ROUTING / TIMEOUT) from argv[1]; returns the index of the
 * first "|>" (or argc), or -1 after replying the error. */
static int ai_dag_parse_header(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int ro, int deprecated,
                               ai_dag *dag, ai_known *known) {
    int pos = 1, seen_load = 0, seen_persist = 0, seen_routing = 0, seen_timeout = 0;
    long long n;
    char msg[256];

#define AI_FAIL(m) return RedisModule_ReplyWithError(ctx, (m)), -1
    while (pos < argc && !ai_arg_is(argv[pos], "|>")) {
        if (ai_arg_is(argv[pos], "LOAD") && !seen_load) {
            seen_load = 1;
            if (argc - pos < 3) AI_FAIL("ERR missing arguments after LOAD keyword in DAG command");
            if (RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK || n <= 0)
                AI_FAIL("ERR invalid or negative value found in number of keys to LOAD");
            if (n > argc - pos - 2)
                AI_FAIL("ERR number of keys to LOAD into DAG does not match the number of given arguments");
            for (long long i = 0; i < n; i++) {
                RedisModuleString *name = argv[pos + 2 + i];
                RedisModuleKey *key = RedisModule_OpenKey(ctx, name, REDISMODULE_READ);
                int type = RedisModule_KeyType(key);
                int ok = type != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(key) == ai_tensor_type;
                if (ok) ai_dag_set(dag, name, RedisModule_ModuleTypeGetValue(key));
                RedisModule_CloseKey(key);
                if (type == REDISMODULE_KEYTYPE_EMPTY) AI_FAIL(AI_ERR_TENSOR_EMPTY);
                if (!ok) AI_FAIL(REDISMODULE_ERRORMSG_WRONGTYPE);
                ai_known_add(known, name);
            }
            pos += 2 + (int)n;
        } else if (ai_arg_is(argv[pos], "PERSIST") && !seen_persist) {
            seen_persist = 1;
            if (ro) AI_FAIL("ERR PERSIST cannot be specified in a read-only DAG");
            if (argc - pos < 3) AI_FAIL("ERR missing arguments after PERSIST keyword in DAG command");
            if (RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK || n <= 0)
                AI_FAIL("ERR invalid or negative value found in number of keys to PERSIST");
            if (n > argc - pos - 2)
                AI_FAIL("ERR number of keys to PERSIST after DAG execution does not match the number of given "
                        "arguments");
            for (long long i = 0; i < n; i++)
                for (long long j = 0; j < i; j++)
                    if (ai_str_eq(argv[pos + 2 + i], argv[pos + 2 + j])) AI_FAIL("ERR PERSIST keys must be unique");
            dag->persist = ai_retain_all(argv + pos + 2, (size_t)n);
            dag->npersist = (size_t)n;
            pos += 2 + (int)n;
        } else if (ai_arg_is(argv[pos], "ROUTING") && !seen_routing) {
            seen_routing = 1;
            if (pos + 1 >= argc) AI_FAIL("ERR Missing ROUTING value");
            pos += 2;
        } else if (ai_arg_is(argv[pos], "TIMEOUT") && !seen_timeout) {
            seen_timeout = 1;
            if (pos + 1 >= argc) AI_FAIL("ERR No value provided for TIMEOUT");
            if (RedisModule_StringToLongLong(argv[pos + 1], &n) != REDISMODULE_OK)
                AI_FAIL("ERR Invalid value for TIMEOUT");
            dag->timeout_ms = n > 0 ? n : 0;
            pos += 2;
        } else {
            size_t len;
            const char *p = RedisModule_StringPtrLen(argv[pos], &len);
            snprintf(msg, sizeof(msg), "ERR Invalid DAG command. Unexpected argument:  %.*s",
                     (int)(len > 200 ? 200 : len), p);
            AI_FAIL(msg);
        }
    }
    if (!deprecated && !seen_load && !seen_persist && !seen_routing)
        AI_FAIL("ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, "
                "PERSIST keywords");
#undef AI_FAIL
    return pos;
}

/* ===== Key positions ===== */

static void ai_dag_keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    int pos = 1;
    long long n;
    while (pos < argc && !ai_arg_is(argv[pos], "|>")) {
        if ((ai_arg_is(argv[pos], "LOAD") || ai_arg_is(argv[pos], "PERSIST")) && pos + 1 < argc &&
            RedisModule_StringToLongLong(argv[pos + 1], &n) == REDISMODULE_OK && n > 0) {
            for (long long i = 0; i < n && pos + 2 + i < argc; i++) RedisModule_KeyAtPos(ctx, pos + 2 + (int)i);
            pos += 2 + (int)n;
        } else if (ai_arg_is(argv[pos], "ROUTING") && pos + 1 < argc) {
            RedisModule_KeyAtPos(ctx, pos + 1);
            pos += 2;
        } else {
            pos++;
        }
    }
    for (; pos + 1 < argc; pos++)
        if (ai_arg_is(argv[pos], "|>") &&
            (ai_arg_is(argv[pos + 1], "AI.MODELEXECUTE") || ai_arg_is(argv[pos + 1], "AI.SCRIPTEXECUTE") ||
             ai_arg_is(argv[pos + 1], "AI.MODELRUN") || ai_arg_is(argv[pos + 1], "AI.SCRIPTRUN")) &&
            pos + 2 < argc)
            RedisModule_KeyAtPos(ctx, pos + 2);
}

/* ===== AI.DAGEXECUTE / AI.DAGEXECUTE_RO ===== */

static int ai_dag_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int ro, int deprecated) {
    const char *cmd = deprecated ? (ro ? "AI.DAGRUN_RO" : "AI.DAGRUN") : (ro ? "AI.DAGEXECUTE_RO" : "AI.DAGEXECUTE");
    ai_known known = {NULL, 0, 0};
    ai_dag *dag;
    int pos;
    char msg[96];

    if (RedisModule_IsKeysPositionRequest(ctx)) {
        ai_dag_keys(ctx, argv, argc);
        return REDISMODULE_OK;
    }
    if ((RedisModule_GetContextFlags(ctx) &
         (REDISMODULE_CTX_FLAGS_LUA | REDISMODULE_CTX_FLAGS_MULTI | REDISMODULE_CTX_FLAGS_DENY_BLOCKING)) != 0)
        return RedisModule_ReplyWithError(ctx, AI_ERR_IN_TRANSACTION);
    if (deprecated && argc < 4) {
        snprintf(msg, sizeof(msg), "ERR wrong number of arguments for '%s' command", cmd);
        return RedisModule_ReplyWithError(ctx, msg);
    }
    if (!deprecated && argc < 6) {
        snprintf(msg, sizeof(msg), "ERR missing arguments for '%s' command", cmd);
        return RedisModule_ReplyWithError(ctx, msg);
    }
    dag = RedisModule_Calloc(1, sizeof(*dag));
    dag->ops = RedisModule_Calloc((size_t)argc, sizeof(*dag->ops));
    if ((pos = ai_dag_parse_header(ctx, argv, argc, ro, deprecated, dag, &known)) < 0) goto fail;
    while (pos < argc) {
        int end = pos + 1;
        while (end < argc && !ai_arg_is(argv[end], "|>")) end++;
        if (end == pos + 1) {
            RedisModule_ReplyWithError(ctx, "Unsupported command within DAG");
            goto fail;
        }
        if (ai_dag_parse_op(ctx, argv + pos + 1, end - pos - 1, ro, deprecated, &dag->ops[dag->nops++], &known) != 0)
            goto fail;
        pos = end;
    }
    if (dag->nops == 0) {
        RedisModule_ReplyWithError(ctx, "ERR DAG is empty");
        goto fail;
    }
    for (size_t i = 0; i < dag->npersist; i++) {
        if (!ai_known_has(&known, dag->persist[i])) {
            RedisModule_ReplyWithError(ctx, "ERR PERSIST key cannot be found in DAG");
            goto fail;
        }
    }
    for (size_t i = 0; i < dag->nops; i++) {
        ai_dag_op *op = &dag->ops[i];
        const char *device;
        AIBackend backend;
        if (op->kind == AI_OP_MODEL) {
            device = ai_model_device(op->model);
            backend = ai_model_backend(op->model);
        } else if (op->kind == AI_OP_SCRIPT) {
            device = ai_script_device(op->script);
            backend = AI_BACKEND_TORCH;
        } else {
            continue;
        }
        if (!ai_queue_has_worker(device, backend)) {
            ai_queue_reply_no_worker(ctx, device, backend);
            goto fail;
        }
    }
    RedisModule_Free(known.v);

    dag->bc = RedisModule_BlockClient(ctx, ai_dag_reply, NULL, ai_dag_free_cb, 0);
    RedisModule_SetDisconnectCallback(dag->bc, ai_dag_disconnected);
    if (RedisModule_BlockedClientMeasureTimeStart != NULL) RedisModule_BlockedClientMeasureTimeStart(dag->bc);
    dag->live_next = ai_dags;
    if (ai_dags) ai_dags->live_prev = dag;
    ai_dags = dag;
    if (dag->timeout_ms > 0) dag->deadline_ms = RedisModule_Milliseconds() + dag->timeout_ms;
    ai_dag_advance(ctx, dag);
    return REDISMODULE_OK;

fail:
    RedisModule_Free(known.v);
    ai_dag_free(dag);
    return REDISMODULE_OK;
}

/* AI.DAGEXECUTE [LOAD n k...] [PERSIST n k...] [ROUTING tag] [TIMEOUT ms] |> op [|> op ...] */
int ai_cmd_dagexecute(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    return ai_dag_command(ctx, argv, argc, 0, 0);
}

/* AI.DAGEXECUTE_RO [LOAD n k...] [ROUTING tag] [TIMEOUT ms] |> op [|> op ...] */
int ai_cmd_dagexecute_ro(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    return ai_dag_command(ctx, argv, argc, 1, 0);
}

/* AI.DAGRUN [LOAD n k...] [PERSIST n k...] [TIMEOUT ms] |> op [|> op ...]  (deprecated) */
int ai_cmd_dagrun(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    return ai_dag_command(ctx, argv, argc, 0, 1);
}

/* AI.DAGRUN_RO [LOAD n k...] [TIMEOUT ms] |> op [|> op ...]  (deprecated) */
int ai_cmd_dagrun_ro(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    return ai_dag_command(ctx, argv, argc, 1, 1);
}
