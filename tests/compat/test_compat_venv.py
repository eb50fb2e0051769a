"""Building the compat venv: reuse when ready, replace when stale, never leave a half-made one.

The interpreter and pip steps are replaced by a recorder that lays out the files a real build
would; the real build runs once per session in the ``real_client_python`` fixture.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from compat import real_client
from compat.real_client import COMPAT_REQUIREMENTS, CompatEnvironmentError, ensure_compat_venv

pytestmark = pytest.mark.compat


class FakeBuild:
    """Stands in for ``_run_checked``: makes ``bin/python`` on ``-m venv``, records pip calls."""

    def __init__(self, fail_on: str | None = None, on_pip: object = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on
        self.on_pip = on_pip

    def __call__(self, argv: Sequence[str], what: str) -> None:
        argv = list(argv)
        self.calls.append(argv)
        if self.fail_on and self.fail_on in argv:
            raise CompatEnvironmentError(f"{what} failed")
        if argv[1:3] == ["-m", "venv"]:
            python = Path(argv[3]) / "bin" / "python"
            python.parent.mkdir(parents=True)
            python.write_text("")
        elif "pip" in argv and callable(self.on_pip):
            self.on_pip()


def _make_ready(venv: Path) -> None:
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / "compat-ready.json").write_text(json.dumps({"requirements": list(COMPAT_REQUIREMENTS)}))


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> FakeBuild:
    build = FakeBuild()
    monkeypatch.setattr(real_client, "_run_checked", build)
    return build


def test_a_ready_venv_is_reused(tmp_path: Path, fake_build: FakeBuild) -> None:
    venv = tmp_path / ".venv-compat"
    _make_ready(venv)
    assert ensure_compat_venv(venv) == venv / "bin" / "python"
    assert fake_build.calls == []


def test_a_fresh_build_installs_the_pinned_wheel(tmp_path: Path, fake_build: FakeBuild) -> None:
    venv = tmp_path / ".venv-compat"
    assert ensure_compat_venv(venv) == venv / "bin" / "python"
    pip = next(call for call in fake_build.calls if "pip" in call)
    assert pip[-2:] == ["smartredis==0.6.1", "numpy<2"]
    assert json.loads((venv / "compat-ready.json").read_text()) == {"requirements": list(COMPAT_REQUIREMENTS)}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv-compat"]


@pytest.mark.parametrize("marker", [None, '{"requirements": ["smartredis==0.6.0"]}', "not json"])
def test_a_stale_or_half_made_venv_is_replaced(
    tmp_path: Path, fake_build: FakeBuild, marker: str | None
) -> None:
    venv = tmp_path / ".venv-compat"
    (venv / "bin").mkdir(parents=True)
    (venv / "leftover").write_text("x")
    if marker is not None:
        (venv / "compat-ready.json").write_text(marker)
    ensure_compat_venv(venv)
    assert not (venv / "leftover").exists()
    assert real_client._is_ready(venv)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv-compat"]


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real_client, "_run_checked", FakeBuild(fail_on="pip"))
    venv = tmp_path / ".venv-compat"
    with pytest.raises(CompatEnvironmentError):
        ensure_compat_venv(venv)
    assert list(tmp_path.iterdir()) == []


def test_a_concurrent_build_that_finished_first_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / ".venv-compat"
    # Another process completes its build while ours is installing.
    monkeypatch.setattr(real_client, "_run_checked", FakeBuild(on_pip=lambda: _make_ready(venv)))
    assert ensure_compat_venv(venv) == venv / "bin" / "python"
    assert real_client._is_ready(venv)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv-compat"]
