"""Exception classes with the names and bases that SmartRedis users catch.

Every server error reply surfaces as ``RedisRuntimeError``; failures while a ``Client`` is being
built surface as ``RedisConnectionError``, which is deliberately *not* a ``RedisReplyError``.
"""

from __future__ import annotations

__all__ = [
    "RedisBadAllocError",
    "RedisConnectionError",
    "RedisDatabaseError",
    "RedisInternalError",
    "RedisKeyError",
    "RedisReplyError",
    "RedisRuntimeError",
    "RedisTimeoutError",
]


class RedisReplyError(RuntimeError):
    """Base of every error raised by a client operation."""


class RedisRuntimeError(RedisReplyError):
    """A server error reply, or a client-side runtime error."""


class RedisKeyError(RedisReplyError):
    """A dataset or configuration option that does not exist."""


class RedisDatabaseError(RedisReplyError):
    """I/O with the database failed after all retries."""


class RedisTimeoutError(RedisReplyError):
    """An operation ran out of time."""


class RedisInternalError(RedisReplyError):
    """The server answered with a reply shape the client cannot read."""


class RedisBadAllocError(RedisReplyError):
    """Memory for a reply could not be allocated."""


class RedisConnectionError(RuntimeError):
    """The client could not be built or could not reach its database."""
