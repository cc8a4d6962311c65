"""A spec as a real nn.Module: module paths and state_dict keys as the analytic engine names them.

The engine's walk gives every layer's path, evaluated fields and input shape, and the program that composes
them (sequences, merges, auxiliary heads). Layers become torch modules registered under their paths, inside
plain container modules for the scopes (`layer1`, `layer1.0`); layers the reference applies as functions
run unregistered, so the module tree and the state_dict are the reference's. The forward pass interprets the
program.
"""

from __future__ import annotations

import torch
from torch import nn

from cnninspect.core.engine import Analysis, Aux, Merge, Program
from cnninspect.torch_backend.modules import BUILDERS


class Scope(nn.Module):
    """A container that only names its children (a block, a named sequence): the program runs them."""


class _Scale:
    """Multiply by a parameter registered elsewhere (plain callable: the parameter belongs to its module)."""

    def __init__(self, parameter: nn.Parameter) -> None:
        self.parameter = parameter

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.parameter * x

    def train(self, mode: bool = True) -> None:
        pass


class SpecModel(nn.Module):
    """The network a spec describes. In training mode the auxiliary heads run too; their outputs are kept in
    `aux_outputs` (in eval mode, as in torchvision, they do not run)."""

    def __init__(self, analysis: Analysis) -> None:
        super().__init__()
        self.spec_name = analysis.model.name
        self.aux_outputs: list[torch.Tensor] = []
        calls: list[nn.Module | None] = []
        built: dict[str, nn.Module] = {}
        for row in analysis.rows:
            if row.settings is None:  # a merge: the program adds or concatenates
                calls.append(None)
                continue
            if row.module and row.path in built:  # a parameter-free module called twice (ResNet's relu)
                calls.append(built[row.path])
                continue
            module = BUILDERS[row.kind](row.settings, row.input)
            if isinstance(module, nn.Parameter):  # an attribute of its module (ConvNeXt's layer_scale)
                self._register(row.path, module)
                calls.append(_Scale(module))
                continue
            if row.module:
                self._register(row.path, module)
                built[row.path] = module
            calls.append(module)
        self._calls = calls  # a plain list: registration is by path, above
        self._functional = [m for r, m in zip(analysis.rows, calls) if m is not None and not r.module]
        self._program = analysis.program

    def _register(self, path: str, item: nn.Module | nn.Parameter) -> None:
        parent: nn.Module = self
        *scopes, name = path.split(".")
        for scope in scopes:
            if not hasattr(parent, scope) or not isinstance(getattr(parent, scope), nn.Module):
                parent.add_module(scope, Scope())
            parent = getattr(parent, scope)
        if isinstance(item, nn.Parameter):
            parent.register_parameter(name, item)
        else:
            parent.add_module(name, item)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self._functional:  # unregistered: train() and eval() do not reach them
            module.train(self.training)
        self.aux_outputs = []
        return self._run(self._program, x)

    def _run(self, program: Program, x: torch.Tensor) -> torch.Tensor:
        for step in program:
            if isinstance(step, int):
                x = self._calls[step](x)
            elif isinstance(step, Merge):
                outs = [self._run(branch, x) for branch in step.branches]
                if step.op == "concat":
                    x = torch.cat(outs, 1)
                else:
                    x = outs[0]
                    for out in outs[1:]:
                        x = x * out if step.op == "mul" else x + out
            elif isinstance(step, Aux) and self.training:
                self.aux_outputs.append(self._run(step.body, x))
        return x
