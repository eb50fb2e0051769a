/*
 * rmapi.c -- storage for the module API function pointers and their lookup.
 *
 * The only translation unit that defines the RedisModule_<Name> pointers
 * declared by RMAPI_LIST in rmapi.h. rmapi_init() fills them in through the
 * server's GetApi function; see rmapi.h for the contract.
 */
#include "rmapi.h"

#include <stdio.h>
#include <string.h>

#define RMAPI_DEFINE_(ret, name, params, required) ret(*RedisModule_##name) params = NULL;
RMAPI_LIST(RMAPI_DEFINE_)
#undef RMAPI_DEFINE_

typedef int (*rmapi_getapi_fn)(const char *name, void *target);

int rmapi_init(void *ctx, char *err, size_t errlen) {
    rmapi_getapi_fn getapi;
    const char *missing = NULL;

    if (err && errlen) err[0] = '\0';
    if (ctx == NULL) {
        if (err && errlen) snprintf(err, errlen, "no module context");
        return REDISMODULE_ERR;
    }
    /* Slot 0 of the context is the GetApi function (a data pointer in the
     * struct, copied bytewise into a function pointer). */
    memcpy(&getapi, ctx, sizeof(getapi));
    if (getapi == NULL) {
        if (err && errlen) snprintf(err, errlen, "no GetApi function in the module context");
        return REDISMODULE_ERR;
    }

#define RMAPI_RESOLVE_(ret, name, params, required)                                                                \
    if (getapi("RedisModule_" #name, (void *)&RedisModule_##name) != REDISMODULE_OK) RedisModule_##name = NULL;    \
    if (RedisModule_##name == NULL && (required) && missing == NULL) missing = #name;
    RMAPI_LIST(RMAPI_RESOLVE_)
#undef RMAPI_RESOLVE_

    if (missing != NULL) {
        if (err && errlen) snprintf(err, errlen, "missing module API RedisModule_%s", missing);
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}
