"""The valgrind log verdict (tests/valgrind/memcheck.py) on excerpts of real memcheck logs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any


def _load_memcheck() -> Any:
    """The module conftest.py loaded (tests/ is no package), or a fresh load of the same file."""
    name = "smartsim_tests_memcheck"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("memcheck.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


memcheck = _load_memcheck()

MODULE = "/src/smartsim/server/module"
SERVER = "/build/valkey-8.1.8/src"


def log(*records: str) -> str:
    lines = ["==42== Memcheck, a memory error detector", "==42== "]
    for record in records:
        lines += [f"==42== {line}" for line in record.strip("\n").splitlines()] + ["==42== "]
    return "\n".join(lines)


INVALID_READ_IN_SERVER = f"""
Invalid read of size 8
   at 0x4B3C79: dictFind ({SERVER}/dict.c:100)
   by 0x4F34E9C: ai_cmd_tensorget ({MODULE}/cmd_tensor.c:150)
 Address 0x5a0 is 0 bytes after a block of size 16 alloc'd
"""
UNINIT_IN_MODULE = f"""
Conditional jump or move depends on uninitialised value(s)
   at 0x4F34E9C: ai_tensor_rdb_save ({MODULE}/type_tensor.c:40)
   by 0x4B5BEC: rdbSaveObject ({SERVER}/rdb.c:1113)
"""
UNINIT_IN_SERVER = f"""
Conditional jump or move depends on uninitialised value(s)
   at 0x46F77A: someServerFunction ({SERVER}/object.c:164)
   by 0x449B4D: main ({SERVER}/server.c:7221)
"""
LEAK_IN_MODULE = f"""
64 bytes in 1 blocks are definitely lost in loss record 10 of 20
   at 0x48407B4: malloc (vg_replace_malloc.c:381)
   by 0x4F30000: ai_tensor_header ({MODULE}/tensor.c:70)
"""
LEAK_IN_SERVER = f"""
64 bytes in 1 blocks are definitely lost in loss record 10 of 20
   at 0x48407B4: malloc (vg_replace_malloc.c:381)
   by 0x449B4D: main ({SERVER}/server.c:7221)
"""
SEGFAULT = f"""
Process terminating with default action of signal 11 (SIGSEGV)
 Access not within mapped region at address 0x0
   at 0x4F30000: ai_tensor_free ({MODULE}/tensor.c:80)
"""
SUMMARY = """
LEAK SUMMARY:
   definitely lost: 64 bytes in 1 blocks
   possibly lost: 0 bytes in 0 blocks
"""


def verdict(*records: str) -> list[str]:
    return [
        finding.record.split("\n", 1)[0] for finding in memcheck.findings_in_text(log(*records), Path("x"))
    ]


def test_memory_errors_fail_wherever_they_are_reported() -> None:
    assert verdict(INVALID_READ_IN_SERVER) == ["Invalid read of size 8"]
    assert verdict(SEGFAULT) == ["Process terminating with default action of signal 11 (SIGSEGV)"]


def test_uninitialised_values_and_leaks_fail_only_in_module_frames() -> None:
    assert verdict(UNINIT_IN_SERVER, LEAK_IN_SERVER, SUMMARY) == []
    assert len(verdict(UNINIT_IN_MODULE, LEAK_IN_MODULE)) == 2


def test_logs_are_found_per_process(tmp_path: Path) -> None:
    (tmp_path / "valgrind.100.log").write_text(log(SUMMARY))
    (tmp_path / "valgrind.101.log").write_text(log(UNINIT_IN_MODULE))
    (tmp_path / "server.log").write_text("Invalid read of size 8\n")
    found = memcheck.findings(tmp_path)
    assert [finding.log.name for finding in found] == ["valgrind.101.log"]


def test_valgrind_flags_keep_fork_children_and_exit_codes_intact(tmp_path: Path) -> None:
    words = memcheck.command_prefix(tmp_path)
    assert "--child-silent-after-fork=no" in words
    assert not any(word.startswith("--error-exitcode") for word in words)
    assert f"--log-file={tmp_path}/valgrind.%p.log" in words
    assert memcheck.SUPPRESSIONS.is_file()
