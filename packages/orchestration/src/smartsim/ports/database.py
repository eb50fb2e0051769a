"""The database port: readiness, health and shutdown of running shards over the network."""

from __future__ import annotations

import abc


class DatabaseConnector(abc.ABC):
    """Talks to running database shards; never starts processes itself."""

    @abc.abstractmethod
    def ping(self, address: str, timeout: float = 1.0) -> bool:
        """True when the shard at ``address`` answers PING."""
        raise NotImplementedError

    @abc.abstractmethod
    def config_set(self, address: str, key: str, value: str) -> None:
        """``CONFIG SET``; raises ``SmartSimError`` naming the pair when the server refuses it."""
        raise NotImplementedError

    @abc.abstractmethod
    def create_cluster(self, addresses: list[str]) -> None:
        """Join fresh cluster-enabled shards into one cluster, slots spread evenly, no replicas."""
        raise NotImplementedError

    @abc.abstractmethod
    def cluster_is_ready(self, address: str, shard_count: int) -> bool:
        """True when the shard sees a healthy cluster of ``shard_count`` masters with every slot."""
        raise NotImplementedError

    @abc.abstractmethod
    def registered_workers(self, address: str) -> int:
        """How many inference workers are registered with the shard (0 when it cannot say)."""
        raise NotImplementedError

    @abc.abstractmethod
    def shutdown(self, address: str) -> bool:
        """Ask the shard to exit without saving; True when the request was taken."""
        raise NotImplementedError
