"""The README's main job: the example experiment runs to completion and shows the round trip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hello_tensor" / "driver.py"


def test_hello_tensor_example(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is ready at 127.0.0.1:" in result.stdout
    assert "Model 'sim' finished: Completed" in result.stdout
    assert "get_tensor('field') returned it unchanged" in result.stdout
    assert "Orchestrator stopped: ['Cancelled']" in result.stdout
    assert (tmp_path / "sim" / "sim.out").is_file()
