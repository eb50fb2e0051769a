import pytest

from smartsim.domain.errors import EntityExistsError
from smartsim.domain.keys_env import db_environment, key_prefix_environment
from smartsim.domain.model import Model
from smartsim.domain.settings import RunSettings


def test_params_are_stored_as_strings() -> None:
    model = Model("m", {"a": 1, "b": 2.5, "c": "x"}, RunSettings("/bin/true"), path="/tmp/m")
    assert model.params == {"a": "1", "b": "2.5", "c": "x"}


@pytest.mark.parametrize("bad", [[1], None, True, {"x": 1}])
def test_bad_param_values_are_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="Incorrect type for model parameters"):
        Model("m", {"a": bad}, RunSettings("/bin/true"))  # type: ignore[dict-item]


def test_registering_the_same_incoming_entity_twice_fails() -> None:
    consumer = Model("consumer", {}, RunSettings("/bin/true"))
    producer = Model("producer", {}, RunSettings("/bin/true"))
    consumer.register_incoming_entity(producer)
    with pytest.raises(EntityExistsError):
        consumer.register_incoming_entity(producer)


def test_environment_for_prefixing_and_databases() -> None:
    assert key_prefix_environment("consumer", True, ["producer", "other"]) == {
        "SSKEYOUT": "consumer",
        "SSKEYIN": "producer,other",
    }
    assert key_prefix_environment("m", False, []) == {}
    assert db_environment("orchestrator", ["127.0.0.1:6780"]) == {
        "SSDB": "127.0.0.1:6780",
        "SR_DB_TYPE": "Standalone",
    }
    assert db_environment("second", ["a:1", "b:2", "c:3"]) == {
        "SSDB_second": "a:1,b:2,c:3",
        "SR_DB_TYPE_second": "Clustered",
    }
