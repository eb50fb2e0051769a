"""CPU time of other processes, read from ``/proc`` (Linux), to attribute cost per process."""

from __future__ import annotations

import os


def cpu_ns_and_slices(pid: int) -> tuple[int, int]:
    """CPU time (ns) and number of times on a CPU of every thread of ``pid`` (schedstat)."""
    cpu = slices = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                fields = handle.read().split()
        except OSError:  # the thread ended meanwhile
            continue
        cpu += int(fields[0])
        slices += int(fields[2])
    return cpu, slices


def cpu_ns(pids: list[int]) -> int:
    """CPU time (ns) of all threads of all ``pids``."""
    return sum(cpu_ns_and_slices(pid)[0] for pid in pids)


def slices(pids: list[int]) -> int:
    """Number of times all threads of all ``pids`` were put on a CPU (about: woken up)."""
    return sum(cpu_ns_and_slices(pid)[1] for pid in pids)
