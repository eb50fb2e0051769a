"""The database port over redis-py: health checks and shutdown of single shards."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ...domain.errors import SmartSimError
from ...ports.database import DatabaseConnector


def _client(address: str, timeout: float) -> redis.Redis:
    # No retries: a health probe must answer now, and a SHUTDOWN must never be retried (redis-py
    # would otherwise reconnect with backoff to the server that just exited).
    no_retry = Retry(NoBackoff(), 0)
    if address.startswith("unix://"):
        return redis.Redis(
            unix_socket_path=address[len("unix://") :],
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=no_retry,
        )
    host, _, port = address.rpartition(":")
    return redis.Redis(
        host=host, port=int(port), socket_timeout=timeout, socket_connect_timeout=timeout, retry=no_retry
    )


class RedisConnector(DatabaseConnector):
    def ping(self, address: str, timeout: float = 1.0) -> bool:
        client = _client(address, timeout)
        try:
            return bool(client.ping())
        except (redis.exceptions.RedisError, OSError):
            return False
        finally:
            client.close()

    def config_set(self, address: str, key: str, value: str) -> None:
        client = _client(address, 5.0)
        try:
            client.config_set(key, value)
        except redis.exceptions.ResponseError as err:
            raise SmartSimError(f"Invalid CONFIG key-value pair ({key} {value!r}): {err}") from None
        finally:
            client.close()

    def shutdown(self, address: str) -> bool:
        client = _client(address, 5.0)
        try:
            client.execute_command("SHUTDOWN", "NOSAVE")  # type: ignore[no-untyped-call]
        except redis.exceptions.ConnectionError:
            return True  # the server closed the connection while exiting: the request was taken
        except (redis.exceptions.RedisError, OSError):
            return False
        finally:
            client.close()
        return True
