"""Logging: levels, variables, line format (writes only to a temporary file)."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartredis import LLDebug, LLInfo, LLQuiet, LogContext, log_data, log_error, log_warning, logger
from smartredis.dataset import Dataset
from smartredis.error import RedisRuntimeError


@pytest.fixture(autouse=True)
def fresh_logger() -> Iterator[None]:
    logger._reset_for_tests()
    yield
    logger._reset_for_tests()


def test_lines_levels_and_prefixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log_file = tmp_path / "sr.log"
    monkeypatch.setenv("SR_LOG_FILE", str(log_file))
    monkeypatch.setenv("SR_LOG_LEVEL", "QUIET")
    log_data("ctx", LLQuiet, "always")
    log_data("ctx", LLInfo, "hidden at quiet")
    log_warning("ctx", LLQuiet, "careful")
    log_error("ctx", LLQuiet, "broken")
    LogContext("mine").log_data(LLQuiet, "from a context")
    Dataset("ds").log_warning(LLQuiet, "from a dataset")
    lines = log_file.read_text().splitlines()
    assert [re.sub(r"@\d\d-\d\d-\d\d:", "@T:", line) for line in lines] == [
        "ctx@T:always",
        "ctx@T:WARNING: careful",
        "ctx@T:ERROR: broken",
        "mine@T:from a context",
        "ds@T:WARNING: from a dataset",
    ]


def test_default_level_is_info_and_debug_is_filtered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log_file = tmp_path / "sr.log"
    monkeypatch.setenv("SR_LOG_FILE", str(log_file))
    monkeypatch.delenv("SR_LOG_LEVEL", raising=False)
    log_data("c", LLInfo, "info")
    log_data("c", LLDebug, "debug")
    assert [line.split(":", 1)[1] for line in log_file.read_text().splitlines()] == ["info"]


def test_bad_level_and_unwritable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SR_LOG_LEVEL", "loud")
    with pytest.raises(RedisRuntimeError, match="Unrecognized logging level: loud"):
        log_data("c", LLQuiet, "x")
    logger._reset_for_tests()
    monkeypatch.setenv("SR_LOG_LEVEL", "info")
    monkeypatch.setenv("SR_LOG_FILE", str(tmp_path / "missing-dir" / "x.log"))
    with pytest.raises(RedisRuntimeError, match="Cannot write to file"):
        log_data("c", LLQuiet, "x")


def test_argument_types() -> None:
    with pytest.raises(TypeError):
        log_data("c", 2, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        log_data("c", LLInfo, 5)  # type: ignore[arg-type]
