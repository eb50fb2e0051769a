import pytest

from smartsim.domain.errors import SmartSimError, SSUnsupportedError
from smartsim.domain.orchestrator import Orchestrator


def test_defaults_and_identity() -> None:
    db = Orchestrator(path="/tmp/db", port=6780)
    assert db.db_identifier == "orchestrator"
    assert db.shard_names == ["orchestrator_0"]
    assert db.ports == [6780]
    assert not db.is_cluster
    assert db.module_arguments() == []


def test_module_arguments_from_thread_settings() -> None:
    db = Orchestrator(threads_per_queue=2, inter_op_threads=1, intra_op_threads=4)
    assert db.module_arguments() == [
        "THREADS_PER_QUEUE",
        "2",
        "INTER_OP_PARALLELISM",
        "1",
        "INTRA_OP_PARALLELISM",
        "4",
    ]


def test_two_shards_are_refused() -> None:
    with pytest.raises(SSUnsupportedError, match="size 2"):
        Orchestrator(db_nodes=2)


@pytest.mark.parametrize("port", [-1, 70000, "6379", True])
def test_bad_ports_are_refused(port: object) -> None:
    with pytest.raises(TypeError, match="port"):
        Orchestrator(port=port)  # type: ignore[arg-type]


def test_address_only_while_running() -> None:
    db = Orchestrator()
    with pytest.raises(SmartSimError, match="not active"):
        db.get_address()
    db.mark_running(["127.0.0.1:1"], lambda: True)
    assert db.get_address() == ["127.0.0.1:1"]
    assert db.is_active()
    assert db.client_environment() == {"SSDB": "127.0.0.1:1", "SR_DB_TYPE": "Standalone"}
    db.mark_stopped()
    assert not db.is_active()
