"""Rendering of the experiment summary table (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from .domain.jobs import Job

_HEADERS = ("", "Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode")


def render_summary(jobs: Sequence[Job], style: str = "github") -> str:
    """A GitHub-style (or plain) table with one row per finished job."""
    rows = [
        (
            str(index),
            job.name,
            job.entity_type,
            job.job_id,
            str(job.run_id),
            f"{job.elapsed:.4f}",
            str(job.status),
            str(job.returncode),
        )
        for index, job in enumerate(jobs)
    ]
    widths = [max(len(cell) for cell in column) for column in zip(_HEADERS, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |" if style == "github" else "  ".join(padded).rstrip()

    lines = [line(_HEADERS)]
    if style == "github":
        lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    lines += [line(row) for row in rows]
    return "\n".join(lines)
