"""Running a test server under valgrind memcheck and judging its logs.

Used by ``tests/conftest.py`` when ``SMARTSIM_TEST_VALGRIND=1``. Every server process writes its
own log (``valgrind.<pid>.log`` in the server's work directory), fork children included, and the
logs are read when the test's servers are torn down.

Why the logs and not ``--error-exitcode``: the server forks for BGSAVE, AOF rewrites and
replication, and the exit status of such a child is its success flag for the parent. Valgrind runs
in the child too, and an error exit code there turns into a failed save (and a red test for the
wrong reason), while ``--child-silent-after-fork=yes`` would hide errors in exactly the code that
runs there: the module's ``rdb_save`` and ``aof_rewrite`` callbacks. So children keep logging,
nothing changes exit codes, and the verdict comes from the logs.

What fails a test:
* an invalid read, write or free, overlapping memcpy arguments, or a fatal signal, anywhere
  (memory corruption caused by the module often shows up in server frames);
* use of an uninitialised value with a frame of the module in its stack;
* a "definitely lost" block allocated with a frame of the module in its stack.
Leaks of the server itself at exit, "possibly lost" blocks and the known lzf false positive
(``server.supp``) do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SUPPRESSIONS = Path(__file__).with_name("server.supp")
LOG_GLOB = "valgrind.*.log"

# Source paths of the module (full paths thanks to --fullpath-after=) or its shared object.
MODULE_FRAME = re.compile(r"smartsim/server/module/|_smartsim_ai")
_PREFIX = re.compile(r"^==\d+== ?")
_ALWAYS_BAD = (
    "Invalid read",
    "Invalid write",
    "Invalid free",
    "Mismatched free",
    "Source and destination overlap",
)
_FATAL_SIGNAL = re.compile(
    r"Process terminating with default action of signal \d+ \(SIG(SEGV|BUS|ABRT|ILL|FPE)\)"
)
_UNINITIALISED = ("uninitialised value", "uninitialised byte")


def command_prefix(log_dir: Path) -> list[str]:
    """The valgrind words that go before the server's argv."""
    return [
        "valgrind",
        "--tool=memcheck",
        "--leak-check=full",
        "--show-leak-kinds=definite",
        "--errors-for-leak-kinds=definite",
        "--child-silent-after-fork=no",
        f"--log-file={log_dir}/valgrind.%p.log",
        f"--suppressions={SUPPRESSIONS}",
        "--fullpath-after=",
        "--num-callers=40",
    ]


@dataclass(frozen=True)
class Finding:
    log: Path
    record: str

    def __str__(self) -> str:
        return f"{self.log}:\n{self.record}"


def records(text: str) -> list[str]:
    """The log's records (error reports, leak reports, summaries), without the ==pid== prefix."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        body = _PREFIX.sub("", line, count=1)
        if body.strip():
            current.append(body)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def is_finding(record: str) -> bool:
    head = record.split("\n", 1)[0]
    if head.startswith(_ALWAYS_BAD) or _FATAL_SIGNAL.search(head):
        return True
    in_module = MODULE_FRAME.search(record) is not None
    if any(word in head for word in _UNINITIALISED):
        return in_module
    if "are definitely lost" in head:
        return in_module
    return False


def findings_in_text(text: str, log: Path) -> list[Finding]:
    return [Finding(log, record) for record in records(text) if is_finding(record)]


def findings(log_dir: Path) -> list[Finding]:
    """Every finding in the valgrind logs of one server's work directory."""
    found: list[Finding] = []
    for log in sorted(log_dir.glob(LOG_GLOB)):
        found += findings_in_text(log.read_text(errors="replace"), log)
    return found
