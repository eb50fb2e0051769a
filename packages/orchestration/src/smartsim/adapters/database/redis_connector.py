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
        host=host,
        port=int(port),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=no_retry,
        protocol=2,
    )


CLUSTER_SLOTS = 16384


def slot_ranges(shard_count: int) -> list[tuple[int, int]]:
    """Contiguous, even slot ranges (first, last) for ``shard_count`` shards."""
    bounds = [round(index * CLUSTER_SLOTS / shard_count) for index in range(shard_count + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(shard_count)]


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

    def create_cluster(self, addresses: list[str]) -> None:
        """What ``redis-cli --cluster create`` does, without needing the CLI: give each shard a
        contiguous slot range and a distinct config epoch, then introduce them to the first."""
        clients = [_client(address, 5.0) for address in addresses]
        try:
            for index, (client, (first, last)) in enumerate(
                zip(clients, slot_ranges(len(addresses)), strict=True)
            ):
                client.execute_command("CLUSTER", "ADDSLOTS", *range(first, last + 1))  # type: ignore[no-untyped-call]
                client.execute_command("CLUSTER", "SET-CONFIG-EPOCH", index + 1)  # type: ignore[no-untyped-call]
            # Every shard meets every other one, so nobody waits for gossip to spread the news.
            for client in clients:
                for address in addresses:
                    host, _, port = address.rpartition(":")
                    client.execute_command("CLUSTER", "MEET", host, int(port))  # type: ignore[no-untyped-call]
        except redis.exceptions.RedisError as err:
            raise SmartSimError(f"Could not create the cluster of {', '.join(addresses)}: {err}") from None
        finally:
            for client in clients:
                client.close()

    def cluster_is_ready(self, address: str, shard_count: int) -> bool:
        client = _client(address, 1.0)
        try:
            info = client.execute_command("CLUSTER", "INFO")  # type: ignore[no-untyped-call]
        except (redis.exceptions.RedisError, OSError):
            return False
        finally:
            client.close()
        text = info.decode() if isinstance(info, bytes) else str(info)
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        return (
            fields.get("cluster_state") == "ok"
            and fields.get("cluster_slots_ok") == str(CLUSTER_SLOTS)
            and fields.get("cluster_known_nodes") == str(shard_count)
        )

    def registered_workers(self, address: str) -> int:
        client = _client(address, 1.0)
        try:
            return len(client.execute_command("AI._WORKER.LIST"))  # type: ignore[no-untyped-call]
        except (redis.exceptions.RedisError, OSError):
            return 0
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
