import pytest

from smartsim.domain.settings import RunSettings


def test_command_line_without_run_command() -> None:
    settings = RunSettings("/bin/echo", exe_args="hello world")
    assert settings.command_line() == ["/bin/echo", "hello", "world"]


def test_command_line_with_run_command_and_args() -> None:
    settings = RunSettings(
        "/bin/app", exe_args=["-x"], run_command="mpirun", run_args={"n": 4, "bind-to": "core"}
    )
    settings.set("--oversubscribe")
    assert settings.command_line() == [
        "mpirun",
        "-n",
        "4",
        "--bind-to=core",
        "--oversubscribe",
        "/bin/app",
        "-x",
    ]


def test_exe_args_must_be_strings() -> None:
    with pytest.raises(TypeError, match="list of str"):
        RunSettings("/bin/app", exe_args=[1, 2])  # type: ignore[list-item]


def test_update_env_stringifies_and_refuses_other_types() -> None:
    settings = RunSettings("/bin/app")
    settings.update_env({"A": 1, "B": "x"})
    assert settings.env_vars == {"A": "1", "B": "x"}
    with pytest.raises(TypeError, match="env_vars\\[C\\]"):
        settings.update_env({"C": [1]})  # type: ignore[dict-item]


def test_copy_is_independent() -> None:
    original = RunSettings("/bin/app", env_vars={"A": "1"})
    duplicate = original.copy()
    duplicate.env_vars["A"] = "2"
    assert original.env_vars["A"] == "1"
