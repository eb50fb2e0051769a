import pytest

from smartsim.domain.ensemble import Ensemble
from smartsim.domain.errors import SSUnsupportedError
from smartsim.domain.model import Model
from smartsim.domain.settings import RunSettings


def model() -> Model:
    return Model("m", {}, RunSettings("/bin/app"))


def test_add_ml_model_validation() -> None:
    m = model()
    m.add_ml_model("cnn", "tf", model=b"graph", inputs="x", outputs=["y"])
    assert m.db_models[0].backend == "TF" and m.db_models[0].inputs == ["x"]
    with pytest.raises(ValueError, match="exactly one of model"):
        m.add_ml_model("a", "TORCH")
    with pytest.raises(ValueError, match="exactly one of model"):
        m.add_ml_model("a", "TORCH", model=b"x", model_path="/x")
    with pytest.raises(ValueError, match="Backend"):
        m.add_ml_model("a", "CAFFE", model=b"x")
    with pytest.raises(SSUnsupportedError, match="CPU"):
        m.add_ml_model("a", "TORCH", model=b"x", device="CPU", devices_per_node=2)
    with pytest.raises(ValueError, match="numbered device"):
        m.add_ml_model("a", "TORCH", model=b"x", device="GPU:1", devices_per_node=2)
    with pytest.raises(SSUnsupportedError, match="already attached"):
        m.add_ml_model("cnn", "TORCH", model=b"x")


def test_add_script_and_function() -> None:
    m = model()
    m.add_script("s", script="def f(x):\n    return x\n")
    m.add_function("fn", function=lambda x: x)
    m.add_function("as_text", function="def g(x):\n    return x\n")
    assert [s.name for s in m.db_scripts] == ["s", "fn", "as_text"]
    assert m.db_scripts[1].in_memory_function and not m.db_scripts[2].in_memory_function
    with pytest.raises(ValueError, match="exactly one"):
        m.add_script("none")


def test_in_memory_objects_are_refused_for_a_colocated_database_in_either_order() -> None:
    first = model()
    first.add_function("fn", function=lambda x: x)
    with pytest.raises(SSUnsupportedError, match="Functions can not be set from memory"):
        first.colocate_db_tcp(port=6780)
    assert first.run_settings.colocated_db_settings is None
    second = model()
    second.colocate_db_uds()
    with pytest.raises(SSUnsupportedError, match="Models can not be set from memory"):
        second.add_ml_model("cnn", "TORCH", model=b"x")
    second.add_ml_model("cnn", "TORCH", model_path="/models/cnn.pt")
    second.add_function("text", function="def f(x):\n    return x\n")


def test_ensemble_attaches_to_current_and_later_members() -> None:
    ens = Ensemble("e", None, run_settings=RunSettings("/bin/app"), replicas=2)
    ens.add_ml_model("cnn", "TORCH", model=b"x")
    late = model()
    ens.add_model(late)
    assert all([m.name for m in member.db_models] == ["cnn"] for member in ens)
