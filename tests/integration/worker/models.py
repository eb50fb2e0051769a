"""Small test models built in the tests: TorchScript modules and ONNX graphs."""

from __future__ import annotations

import io
from typing import Any

import torch
from torch import nn


class Double(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


class AddSub(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return a + b, a - b


class Raises(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            raise RuntimeError("positive input rejected")
        return x


class Half(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.half()


class Slow(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        for _ in range(400):
            y = torch.matmul(y, torch.eye(512)) + 0.0
        return y


class RowSum(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.sum(dim=1, keepdim=True) * 3


def torch_bytes(module: nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(module), buffer)
    return buffer.getvalue()


def onnx_add_mul() -> bytes:
    """ONNX graph: (x, y) -> (x + y, x * y), FLOAT [N, 3]."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    s = helper.make_tensor_value_info("s", TensorProto.FLOAT, ["N", 3])
    p = helper.make_tensor_value_info("p", TensorProto.FLOAT, ["N", 3])
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "y"], ["s"]), helper.make_node("Mul", ["x", "y"], ["p"])],
        "addmul",
        [x, y],
        [s, p],
    )
    model: Any = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def onnx_string_identity() -> bytes:
    """ONNX graph: a STRING [N] tensor returned as it came."""
    import onnx
    from onnx import TensorProto, helper

    text = helper.make_tensor_value_info("text", TensorProto.STRING, ["N"])
    same = helper.make_tensor_value_info("same", TensorProto.STRING, ["N"])
    graph = helper.make_graph([helper.make_node("Identity", ["text"], ["same"])], "echo", [text], [same])
    model: Any = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


SCRIPT = """
def double(x):
    return x * 2

def add_all(tensors: List[Tensor]):
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t
    return total

def first_and_rest(a, rest: List[Tensor]):
    return a, torch.stack(rest).sum(dim=0)

def entry(tensors: List[Tensor], keys: List[str], args: List[str]):
    factor = float(args[0]) if len(args) > 0 else 1.0
    return [tensors[0] * factor, tensors[1] + factor]

def bad(x: int):
    return torch.zeros(1)

def none_tensor(x):
    return 3
"""
