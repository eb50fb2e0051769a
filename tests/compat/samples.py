"""Sample data both clients write and read in the interchange tests (standalone and cluster)."""

from __future__ import annotations

import numpy as np

from compat.real_client import DatasetSpec


def sample_dataset_spec(name: str, seed: int) -> DatasetSpec:
    """Two tensors and metadata of every scalar type (a repeated field, an empty string)."""
    return DatasetSpec(
        name,
        tensors=[
            ("u", np.arange(seed, seed + 4, dtype=np.uint16).reshape(2, 2)),
            ("d", np.linspace(-seed, seed, 5, dtype=np.float64)),
        ],
        scalars=[
            ("step", seed, "int"),
            ("step", seed + 1, "int"),
            ("dt", 0.25, "float"),
            ("f32", 1.5, "float32"),
            ("i32", -seed, "int32"),
            ("u32", 42, "uint32"),
            ("u64", 2**63, "uint64"),
        ],
        strings=[("who", f"rank {seed}"), ("who", "again"), ("note", "")],
    )
