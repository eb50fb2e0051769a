import pytest

from smartsim.domain.ensemble import Ensemble
from smartsim.domain.errors import EntityExistsError, SmartSimError
from smartsim.domain.model import Model, param_as_args
from smartsim.domain.settings import RunSettings


def settings() -> RunSettings:
    return RunSettings("/bin/app", exe_args=["--base"])


def test_members_from_params() -> None:
    ens = Ensemble("ens", {"alpha": [1, 2], "beta": ["x", "y"]}, path="/exp/ens", run_settings=settings())
    assert [m.name for m in ens] == ["ens_0", "ens_1", "ens_2", "ens_3"]
    assert ens["ens_3"].params == {"alpha": "2", "beta": "y"}  # type: ignore[union-attr]
    assert ens["ens_0"].path == "/exp/ens/ens_0"  # type: ignore[union-attr]
    assert ens.query_key_prefixing()
    assert ens["missing"] is None
    # Members own deep copies of the run settings.
    ens.models[0].run_settings.env_vars["X"] = "1"
    assert "X" not in ens.models[1].run_settings.env_vars


def test_params_as_args_and_replicas() -> None:
    ens = Ensemble("e", {"steps": [10, 20], "v": 1}, params_as_args=["steps", "v"], run_settings=settings())
    assert ens.models[1].run_settings.command_line() == ["/bin/app", "--base", "--steps=20", "-v", "1"]
    replicas = Ensemble("r", None, run_settings=settings(), replicas=3)
    assert len(replicas) == 3 and replicas.models[2].params == {}


def test_step_and_bad_inputs() -> None:
    ens = Ensemble("s", {"a": [1, 2, 3], "b": [4, 5, 6]}, run_settings=settings(), perm_strat="step")
    assert [m.params for m in ens] == [{"a": "1", "b": "4"}, {"a": "2", "b": "5"}, {"a": "3", "b": "6"}]
    with pytest.raises(SmartSimError, match="batch settings or run settings"):
        Ensemble("x", {"a": [1]})
    with pytest.raises(SmartSimError, match="neither 'params' nor 'replicas'"):
        Ensemble("x", None, run_settings=settings())
    with pytest.raises(TypeError, match="Incorrect type for ensemble parameters"):
        Ensemble("x", {"a": 1.5}, run_settings=settings())
    with pytest.raises(ValueError, match="not allowed"):
        Ensemble("../x", None, run_settings=settings(), replicas=1)


def test_add_model() -> None:
    ens = Ensemble("e", None, run_settings=settings(), replicas=1)
    ens.add_model(Model("extra", {}, settings()))
    assert len(ens) == 2
    with pytest.raises(EntityExistsError):
        ens.add_model(Model("extra", {}, settings()))
    with pytest.raises(TypeError):
        ens.add_model("nope")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("--long", ["--long=v"]), ("-s", ["-s", "v"]), ("n", ["-n", "v"]), ("name", ["--name=v"])],
)
def test_param_as_args(name: str, expected: list[str]) -> None:
    assert param_as_args(name, "v") == expected


def test_params_to_args_needs_the_param() -> None:
    model = Model("m", {"a": 1}, settings(), params_as_args=["b"])
    with pytest.raises(ValueError, match="b"):
        model.params_to_args()


def test_reserved_attached_file_name() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Model("m", {}, settings()).attach_generator_files(to_copy=["/x/smartsim_params.txt"])
    with pytest.raises(TypeError):
        Model("m", {}, settings()).attach_generator_files(to_copy=5)  # type: ignore[arg-type]
