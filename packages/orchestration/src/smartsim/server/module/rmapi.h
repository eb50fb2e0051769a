/*
 * rmapi.h -- the module API surface this module uses, and nothing more.
 *
 * A server that loads a module calls RedisModule_OnLoad(ctx, argv, argc).
 * The first slot of ctx holds the server's GetApi(name, &target) function;
 * every API function is fetched through it by its name "RedisModule_<Name>".
 * Redis (>= 6.2) and Valkey (which registers every API under both the
 * RedisModule_ and the ValkeyModule_ prefix) follow this contract, so one
 * binary serves both.
 *
 * RMAPI_LIST below is the single list of the functions we call. Each entry
 * is X(return type, Name, (parameters), required). It expands to
 *   - one hidden-visibility function pointer RedisModule_<Name> (rmapi.c),
 *   - one lookup in rmapi_init().
 * A required API that the server lacks makes rmapi_init() fail and name it;
 * an optional one stays NULL and callers test it before use.
 *
 * Prototypes follow the public module API reference. The compiler cannot
 * check them against the server, so add entries with care: one wrong
 * parameter type is a silent ABI bug.
 */
#ifndef AI_RMAPI_H
#define AI_RMAPI_H

#include <stddef.h>
#include <stdint.h>

/* ===== Constants (values fixed by the module API) ===== */

#define REDISMODULE_OK 0
#define REDISMODULE_ERR 1

#define REDISMODULE_APIVER_1 1

/* RedisModule_OpenKey modes. */
#define REDISMODULE_READ (1 << 0)
#define REDISMODULE_WRITE (1 << 1)

/* RedisModule_KeyType results. */
#define REDISMODULE_KEYTYPE_EMPTY 0

/* RedisModule_SetModuleOptions: rdb_load checks RedisModule_IsIOError
 * itself instead of the server aborting on a short read. */
#define REDISMODULE_OPTIONS_HANDLE_IO_ERRORS (1 << 0)

/* Layout version of RedisModuleTypeMethods that we fill in (fields up to
 * defrag; Redis >= 6.2 and Valkey read it). Servers accept older versions. */
#define REDISMODULE_TYPE_METHOD_VERSION 3

#define REDISMODULE_ERRORMSG_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"

#define REDISMODULE_LOGLEVEL_DEBUG "debug"
#define REDISMODULE_LOGLEVEL_VERBOSE "verbose"
#define REDISMODULE_LOGLEVEL_NOTICE "notice"
#define REDISMODULE_LOGLEVEL_WARNING "warning"

/* ===== Opaque server types ===== */

typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleKey RedisModuleKey;
typedef struct RedisModuleString RedisModuleString;
typedef struct RedisModuleIO RedisModuleIO;
typedef struct RedisModuleType RedisModuleType;
typedef struct RedisModuleDigest RedisModuleDigest;

typedef int (*RedisModuleCmdFunc)(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

/* ===== Blocking, timers and server events (execution queue) ===== */

typedef struct RedisModuleBlockedClient RedisModuleBlockedClient;
typedef uint64_t RedisModuleTimerID;
typedef void (*RedisModuleTimerProc)(RedisModuleCtx *ctx, void *data);
typedef void (*RedisModuleDisconnectFunc)(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc);

/* RedisModule_GetContextFlags bits. */
#define REDISMODULE_CTX_FLAGS_LUA (1 << 0)
#define REDISMODULE_CTX_FLAGS_MULTI (1 << 1)
#define REDISMODULE_CTX_FLAGS_DENY_BLOCKING (1 << 21)

/* Server events (RedisModule_SubscribeToServerEvent): event id and data version. */
typedef struct RedisModuleEvent {
    uint64_t id;
    uint64_t dataver;
} RedisModuleEvent;
typedef void (*RedisModuleEventCallback)(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t subevent, void *data);
#define REDISMODULE_EVENT_CLIENT_CHANGE 4
#define REDISMODULE_SUBEVENT_CLIENT_CHANGE_CONNECTED 0
#define REDISMODULE_SUBEVENT_CLIENT_CHANGE_DISCONNECTED 1

/* Data of a client-change event (version 1). */
typedef struct RedisModuleClientInfo {
    uint64_t version;
    uint64_t flags;
    uint64_t id;
    char addr[46];
    uint16_t port;
    uint16_t db;
} RedisModuleClientInfo;

/* ===== Data type callbacks (type methods, version 3 layout) ===== */

typedef void *(*RedisModuleTypeLoadFunc)(RedisModuleIO *rdb, int encver);
typedef void (*RedisModuleTypeSaveFunc)(RedisModuleIO *rdb, void *value);
typedef int (*RedisModuleTypeAuxLoadFunc)(RedisModuleIO *rdb, int encver, int when);
typedef void (*RedisModuleTypeAuxSaveFunc)(RedisModuleIO *rdb, int when);
typedef void (*RedisModuleTypeRewriteFunc)(RedisModuleIO *aof, RedisModuleString *key, void *value);
typedef size_t (*RedisModuleTypeMemUsageFunc)(const void *value);
typedef void (*RedisModuleTypeDigestFunc)(RedisModuleDigest *digest, void *value);
typedef void (*RedisModuleTypeFreeFunc)(void *value);
typedef size_t (*RedisModuleTypeFreeEffortFunc)(RedisModuleString *key, const void *value);
typedef void (*RedisModuleTypeUnlinkFunc)(RedisModuleString *key, const void *value);
typedef void *(*RedisModuleTypeCopyFunc)(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value);
typedef int (*RedisModuleTypeDefragFunc)(void *ctx, RedisModuleString *key, void **value);

typedef struct RedisModuleTypeMethods {
    uint64_t version;
    RedisModuleTypeLoadFunc rdb_load;
    RedisModuleTypeSaveFunc rdb_save;
    RedisModuleTypeRewriteFunc aof_rewrite;
    RedisModuleTypeMemUsageFunc mem_usage;
    RedisModuleTypeDigestFunc digest;
    RedisModuleTypeFreeFunc free;
    RedisModuleTypeAuxLoadFunc aux_load;
    RedisModuleTypeAuxSaveFunc aux_save;
    int aux_save_triggers;
    /* version 3 */
    RedisModuleTypeFreeEffortFunc free_effort;
    RedisModuleTypeUnlinkFunc unlink;
    RedisModuleTypeCopyFunc copy;
    RedisModuleTypeDefragFunc defrag;
} RedisModuleTypeMethods;

/* ===== The API list: X(ret, Name, (params), required) ===== */

#define RMAPI_LIST(X)                                                                                              \
    /* Memory */                                                                                                   \
    X(void *, Alloc, (size_t bytes), 1)                                                                            \
    X(void *, Calloc, (size_t nmemb, size_t size), 1)                                                              \
    X(void *, TryCalloc, (size_t nmemb, size_t size), 0)                                                           \
    X(void *, Realloc, (void *ptr, size_t bytes), 1)                                                               \
    X(void, Free, (void *ptr), 1)                                                                                  \
    /* Registration */                                                                                             \
    X(int, IsModuleNameBusy, (const char *name), 0)                                                                \
    X(void, SetModuleAttribs, (RedisModuleCtx * ctx, const char *name, int ver, int apiver), 1)                    \
    X(void, SetModuleOptions, (RedisModuleCtx * ctx, int options), 1)                                              \
    X(int, CreateCommand,                                                                                          \
      (RedisModuleCtx * ctx, const char *name, RedisModuleCmdFunc cmdfunc, const char *strflags, int firstkey,     \
       int lastkey, int keystep),                                                                                  \
      1)                                                                                                           \
    X(RedisModuleType *, CreateDataType,                                                                           \
      (RedisModuleCtx * ctx, const char *name, int encver, RedisModuleTypeMethods *typemethods), 1)                \
    /* Logging */                                                                                                  \
    X(void, Log, (RedisModuleCtx * ctx, const char *level, const char *fmt, ...), 1)                               \
    X(void, LogIOError, (RedisModuleIO * io, const char *levelstr, const char *fmt, ...), 1)                       \
    /* Context */                                                                                                  \
    X(void, AutoMemory, (RedisModuleCtx * ctx), 1)                                                                 \
    X(int, ReplicateVerbatim, (RedisModuleCtx * ctx), 1)                                                           \
    /* Replies */                                                                                                  \
    X(int, WrongArity, (RedisModuleCtx * ctx), 1)                                                                  \
    X(int, ReplyWithError, (RedisModuleCtx * ctx, const char *err), 1)                                             \
    X(int, ReplyWithSimpleString, (RedisModuleCtx * ctx, const char *msg), 1)                                      \
    X(int, ReplyWithArray, (RedisModuleCtx * ctx, long len), 1)                                                    \
    X(int, ReplyWithLongLong, (RedisModuleCtx * ctx, long long ll), 1)                                             \
    X(int, ReplyWithDouble, (RedisModuleCtx * ctx, double d), 1)                                                   \
    X(int, ReplyWithStringBuffer, (RedisModuleCtx * ctx, const char *buf, size_t len), 1)                          \
    X(int, ReplyWithCString, (RedisModuleCtx * ctx, const char *buf), 1)                                           \
    X(int, ReplyWithNull, (RedisModuleCtx * ctx), 1)                                                               \
    /* Keys */                                                                                                     \
    X(RedisModuleKey *, OpenKey, (RedisModuleCtx * ctx, RedisModuleString * keyname, int mode), 1)                 \
    X(void, CloseKey, (RedisModuleKey * kp), 1)                                                                    \
    X(int, KeyType, (RedisModuleKey * kp), 1)                                                                      \
    X(RedisModuleType *, ModuleTypeGetType, (RedisModuleKey * key), 1)                                             \
    X(void *, ModuleTypeGetValue, (RedisModuleKey * key), 1)                                                       \
    X(int, ModuleTypeSetValue, (RedisModuleKey * key, RedisModuleType * mt, void *value), 1)                       \
    X(int, DeleteKey, (RedisModuleKey * key), 1)                                                                   \
    /* Strings */                                                                                                  \
    X(const char *, StringPtrLen, (const RedisModuleString *str, size_t *len), 1)                                  \
    X(int, StringToLongLong, (const RedisModuleString *str, long long *ll), 1)                                     \
    X(int, StringToDouble, (const RedisModuleString *str, double *d), 1)                                           \
    X(RedisModuleString *, CreateStringFromLongLong, (RedisModuleCtx * ctx, long long ll), 1)                      \
    X(RedisModuleString *, CreateString, (RedisModuleCtx * ctx, const char *ptr, size_t len), 1)                   \
    X(void, FreeString, (RedisModuleCtx * ctx, RedisModuleString * str), 1)                                        \
    X(void, RetainString, (RedisModuleCtx * ctx, RedisModuleString * str), 1)                                      \
    X(void, TrimStringAllocation, (RedisModuleString * str), 0)                                                    \
    /* RDB / AOF */                                                                                                \
    X(int, IsIOError, (RedisModuleIO * io), 1)                                                                     \
    X(const RedisModuleString *, GetKeyNameFromIO, (RedisModuleIO * io), 0)                                        \
    X(void, SaveUnsigned, (RedisModuleIO * io, uint64_t value), 1)                                                 \
    X(uint64_t, LoadUnsigned, (RedisModuleIO * io), 1)                                                             \
    X(void, SaveSigned, (RedisModuleIO * io, int64_t value), 1)                                                    \
    X(int64_t, LoadSigned, (RedisModuleIO * io), 1)                                                                \
    X(void, SaveStringBuffer, (RedisModuleIO * io, const char *str, size_t len), 1)                                \
    X(char *, LoadStringBuffer, (RedisModuleIO * io, size_t *lenptr), 1)                                           \
    X(void, EmitAOF, (RedisModuleIO * io, const char *cmdname, const char *fmt, ...), 1)                           \
    /* Execution: blocked clients, timers, events, key positions, replication */                                   \
    X(int, GetContextFlags, (RedisModuleCtx * ctx), 1)                                                             \
    X(unsigned long long, GetClientId, (RedisModuleCtx * ctx), 1)                                                  \
    X(int, IsKeysPositionRequest, (RedisModuleCtx * ctx), 1)                                                       \
    X(void, KeyAtPos, (RedisModuleCtx * ctx, int pos), 1)                                                          \
    X(int, Replicate, (RedisModuleCtx * ctx, const char *cmdname, const char *fmt, ...), 1)                        \
    X(long long, Milliseconds, (void), 1)                                                                          \
    X(RedisModuleBlockedClient *, BlockClient,                                                                     \
      (RedisModuleCtx * ctx, RedisModuleCmdFunc reply_callback, RedisModuleCmdFunc timeout_callback,               \
       void (*free_privdata)(RedisModuleCtx *, void *), long long timeout_ms),                                     \
      1)                                                                                                           \
    X(int, UnblockClient, (RedisModuleBlockedClient * bc, void *privdata), 1)                                      \
    X(void *, GetBlockedClientPrivateData, (RedisModuleCtx * ctx), 1)                                              \
    X(RedisModuleBlockedClient *, GetBlockedClientHandle, (RedisModuleCtx * ctx), 1)                               \
    X(void, SetDisconnectCallback, (RedisModuleBlockedClient * bc, RedisModuleDisconnectFunc callback), 1)         \
    X(int, BlockedClientMeasureTimeStart, (RedisModuleBlockedClient * bc), 0)                                      \
    X(int, BlockedClientMeasureTimeEnd, (RedisModuleBlockedClient * bc), 0)                                        \
    X(RedisModuleTimerID, CreateTimer,                                                                             \
      (RedisModuleCtx * ctx, long long period, RedisModuleTimerProc callback, void *data), 1)                      \
    X(int, StopTimer, (RedisModuleCtx * ctx, RedisModuleTimerID id, void **data), 1)                               \
    X(int, SubscribeToServerEvent, (RedisModuleCtx * ctx, RedisModuleEvent event, RedisModuleEventCallback callback), \
      1)

/* One hidden function pointer per API entry, defined in rmapi.c. */
#define RMAPI_DECLARE_(ret, name, params, required)                                                                \
    extern __attribute__((visibility("hidden"))) ret(*RedisModule_##name) params;
RMAPI_LIST(RMAPI_DECLARE_)
#undef RMAPI_DECLARE_

/*
 * Resolve every entry of RMAPI_LIST through the GetApi function found in
 * ((void **)ctx)[0]. Returns REDISMODULE_OK, or REDISMODULE_ERR after writing
 * "missing module API RedisModule_<Name>" (the first missing required entry)
 * into err. All entries are attempted either way, so RedisModule_Log is set
 * whenever the server has it. Called once, from RedisModule_OnLoad, on the
 * main thread.
 */
__attribute__((visibility("hidden"))) int rmapi_init(void *ctx, char *err, size_t errlen);

#endif /* AI_RMAPI_H */
