"""A spec as a real nn.Module: module paths and state_dict keys as the analytic engine names them.

The engine's walk gives every layer's path, evaluated fields and input shape, and the program that composes
them (sequences, merges, auxiliary heads). Layers become torch modules registered under their paths, inside
plain container modules for the scopes (`layer1`, `layer1.0`); layers the reference applies as functions
run unregistered, so the module tree and the state_dict are the reference's. The forward pass interprets the
program.

What torch cannot hold is refused, located at the layer: a module named as an attribute its parent already has
(`forward`, `training`, `to`: nn.Module.add_module refuses those), and a tensor of 2^63 bytes or more (torch
counts a tensor's bytes in an int64, even on the meta device). A layer torch refuses to build for another reason
raises TorchRefused; one it refuses to run raises torch's own error, with the layer in a note and its row's index
in `cnninspect_row`. --verify reports either as a disagreement.
"""

from __future__ import annotations

import torch
from torch import nn

from cnninspect.core.engine import Analysis, Aux, Merge, Program, Row
from cnninspect.core.paired import Paired
from cnninspect.core.refs import Read
from cnninspect.core.layers.base import numel
from cnninspect.errors import InputError
from cnninspect.inert import inert
from cnninspect.syntax import ELEMENT_TYPE
from cnninspect.torch_backend.modules import BUILDERS

MAX_TENSOR_BYTES = 2**63 - 1  # torch keeps a tensor's size in bytes in an int64 (c10's computeStorageNbytes)
TORCH_REFUSALS = (RuntimeError, ValueError, NotImplementedError, IndexError)  # how torch says no to a tensor op


def where(row: Row) -> str:
    """A layer's location, as the engine's errors give it."""
    return f"{row.loc}: layer '{inert(row.path)}' ({row.kind})"


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return inert(text.splitlines()[0]) if text else type(error).__name__


class TorchRefused(InputError):
    """torch refused to build a layer the analysis accepts: its constructor raised."""

    def __init__(self, index: int, row: Row, error: BaseException) -> None:
        super().__init__(f"torch refuses to build it: {first_line(error)}", where=where(row))
        self.index = index
        self.detail = first_line(error)


def torch_dtype(name: str) -> torch.dtype:
    """The torch dtype of an element type (cnninspect.syntax's table)."""
    return getattr(torch, ELEMENT_TYPE[name].torch)


def example_inputs(analysis: Analysis, batch: int, make, **options) -> list:
    """A tensor for each of the model's inputs, in forward's order, made by `make` (torch.empty, torch.randn)."""
    return [make(batch, *shape, **options) for _, shape in analysis.inputs or (("input", analysis.input),)]


def refuse_oversized(analysis: Analysis, batch: int, itemsize: int) -> None:
    """Every activation of a forward pass (the inputs, each layer's output) must fit in a torch tensor."""
    inputs = [shape for _, shape in analysis.inputs] or [analysis.input]
    shapes = [(None, shape) for shape in inputs] + [(row, row.output) for row in analysis.rows]
    for row, shape in shapes:
        size = numel(shape) * batch * itemsize
        if size > MAX_TENSOR_BYTES:
            raise InputError(f"torch cannot hold {'its output' if row else 'the input'}: "
                             f"{batch}x{'x'.join(map(str, shape))} elements of {itemsize} bytes take {size:,} bytes; "
                             f"{_LIMIT}", where=where(row) if row else str(analysis.model.file))


def _refuse_oversized_parameters(row: Row) -> None:
    """Said when torch refused to build a layer: if its parameters take more bytes than a tensor can hold."""
    itemsize = torch.get_default_dtype().itemsize
    largest = max(row.params, row.buffers)
    if largest * itemsize > MAX_TENSOR_BYTES:
        raise InputError(f"torch cannot hold its parameters: {largest:,} elements of {itemsize} bytes take "
                         f"{largest * itemsize:,} bytes; {_LIMIT}", where=where(row))


_PLAIN = nn.Module()  # what every torch module has: methods (forward, to, cuda, ...) and fields (training, ...)
_LIMIT = f"a torch tensor holds at most 2^63 - 1 ({MAX_TENSOR_BYTES:,}) bytes, even on the meta device"


class Scope(nn.Module):
    """A container that only names its children (a block, a named sequence): the program runs them."""


class _Scale:
    """Multiply by a parameter registered elsewhere (plain callable: the parameter belongs to its module), looked
    up there at each call: load_state_dict(assign=True) and torch.func.functional_call replace it there."""

    def __init__(self, owner: nn.Module, name: str) -> None:
        self.owner, self.name = owner, name

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(self.owner, self.name) * x

    def train(self, mode: bool = True) -> None:
        pass


def _output_size(row: Row, pool_input: torch.Size):
    """torch's output_size for a max unpool: none (torch's default), its pool's input size (`size: input`, as that
    input is at this call), or the size the rule gave for the numbers written (the row's output)."""
    given = row.settings.size
    return None if given is None else pool_input if given == "input" else row.output[1:]


class SpecModel(nn.Module):
    """The network a spec describes. In training mode the auxiliary heads run too; their outputs are kept in
    `aux_outputs` (in eval mode, as in torchvision, they do not run). A spec of several `inputs` takes them in
    their order: model(image, mask). A module used again (`share`) is one module, called at each use."""

    def __init__(self, analysis: Analysis) -> None:
        super().__init__()
        self.spec_name = analysis.model.name
        self.aux_outputs: list[torch.Tensor] = []
        # The model's own attributes, set before any layer is registered: a layer of the same name is refused.
        self._rows = analysis.rows
        self._program = analysis.program
        self._reads = analysis.reads  # the steps whose outputs a Read takes again
        self._inputs = tuple(name for name, _ in analysis.inputs) or ("input",)
        self._kept: dict[int, torch.Tensor] = {}
        self._pooled: dict[int, tuple] = {}  # a max pool's step -> its indices and its input's size, for an unpool
        self._calls: list[nn.Module | _Scale | None] = []  # a plain list: registration is by path, below
        built: dict[str, nn.Module] = {}
        for index, row in enumerate(analysis.rows):
            self._calls.append(self._built(index, row, built))
        self._functional = [m for r, m in zip(analysis.rows, self._calls) if m is not None and not r.module]

    def _built(self, index: int, row: Row, built: dict[str, nn.Module]) -> nn.Module | _Scale | None:
        if row.settings is None:  # a merge: the program adds or concatenates
            return None
        if row.module and row.path in built:  # a parameter-free module called twice (ResNet's relu)
            return built[row.path]
        builder = BUILDERS.get(row.kind)
        if builder is None:  # a kind without its torch module (tests/test_tables.py keeps the tables equal)
            raise InputError(f"the torch backend has no module for the layer kind '{inert(row.kind)}', so it cannot "
                             f"build this model", loc=row.loc, layer=row.path,
                             where=f"layer '{inert(row.path)}' ({inert(row.kind)})")
        try:
            module = builder(row.settings, row.input)
        except (*TORCH_REFUSALS, TypeError, OverflowError) as error:
            _refuse_oversized_parameters(row)
            if not isinstance(error, TORCH_REFUSALS):
                raise  # not torch saying no: a bug, which keeps its traceback
            raise TorchRefused(index, row, error) from None
        if isinstance(module, nn.Parameter):  # an attribute of its module (ConvNeXt's layer_scale)
            parent, name = self._parent(row, "parameter")
            parent.register_parameter(name, module)
            return _Scale(parent, name)
        if row.module:
            parent, name = self._parent(row, "module")
            parent.add_module(name, module)
            built[row.path] = module
        return module

    def _parent(self, row: Row, what: str) -> tuple[nn.Module, str]:
        """The module that holds the layer (its scopes made on the way), and the layer's name in it."""
        parent: nn.Module = self
        *scopes, name = row.path.split(".")
        for depth, scope in enumerate(scopes):
            self._refuse_taken(parent, scope, ".".join(scopes[:depth]), row, "module")
            if scope not in parent._modules:
                parent.add_module(scope, Scope())
            parent = parent._modules[scope]
        self._refuse_taken(parent, name, ".".join(scopes), row, what)
        return parent, name

    def _refuse_taken(self, parent: nn.Module, name: str, scope: str, row: Row, what: str) -> None:
        """torch cannot hold a child named as an attribute its parent has: add_module and register_parameter
        raise KeyError. Said here, located, instead."""
        if name in parent._modules or not hasattr(parent, name):
            return
        refuses = "nn.Module.add_module" if what == "module" else "nn.Module.register_parameter"
        if hasattr(_PLAIN, name):
            why = f"every torch module (nn.Module) has an attribute of that name, and {refuses} refuses it"
        elif parent is self:
            why = f"the model built from a spec keeps an attribute of that name, and {refuses} refuses it"
        else:
            why = "a parameter of that name is registered there"
        within = f"'{inert(scope)}'" if scope else "the model"
        raise InputError(f"torch cannot hold a {what} named '{inert(name)}' in {within}: {why}; rename the layer",
                         where=where(row))

    def forward(self, x: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
        for module in self._functional:  # unregistered: train() and eval() do not reach them
            module.train(self.training)
        if len(more) != len(self._inputs) - 1:
            raise TypeError(f"{self.spec_name} takes {len(self._inputs)} input(s), {', '.join(self._inputs)}; "
                            f"got {1 + len(more)}")
        self.aux_outputs = []
        self._kept = {-1 - k: t for k, t in enumerate((x, *more))}
        try:
            return self._run(self._program, x)
        finally:
            self._kept, self._pooled = {}, {}

    def _run(self, program: Program, x: torch.Tensor) -> torch.Tensor:
        """The program's steps. A subclass that watches the layers (which row runs) overrides `_layer` and
        `_merge`, not this loop, so that it runs what the spec wires (Read steps included)."""
        for step in program:
            if isinstance(step, int):
                out = self._layer(step, x)
                if type(out) is tuple:  # a max pool with its indices (return_indices): an unpool reads them
                    out, self._pooled[step] = out[0], (out[1], x.shape)
                x = out
                if step in self._reads:
                    self._kept[step] = x
            elif isinstance(step, Merge):
                x = self._merge(step, [self._run(branch, x) for branch in step.branches])
                if step.row in self._reads:
                    self._kept[step.row] = x
            elif isinstance(step, Read):
                x = self._kept[step.source]
            elif isinstance(step, Paired):  # a max unpool: its pool's indices, and the output size it is given
                indices, size = self._pooled[step.source]
                x = self._layer(step.row, x, indices, _output_size(self._rows[step.row], size))
                if step.row in self._reads:
                    self._kept[step.row] = x
            elif isinstance(step, Aux) and self.training:
                self.aux_outputs.append(self._run(step.body, x))
        return x

    def _layer(self, step: int, x: torch.Tensor, *more) -> torch.Tensor:
        """Row `step` on x (and, for a max unpool, its pool's indices and the output size)."""
        try:
            return self._calls[step](x, *more)
        except Exception as error:  # torch's own error, as it stands, with the layer named
            if not hasattr(error, "cnninspect_row"):  # the innermost step is the layer
                error.cnninspect_row = step
                error.add_note(f"cnninspect: in {where(self._rows[step])}")
            raise

    def _merge(self, step: Merge, outs: list[torch.Tensor]) -> torch.Tensor:
        if step.op == "concat":
            return torch.cat(outs, 1)
        x = outs[0]
        for out in outs[1:]:
            x = x * out if step.op == "mul" else x + out
        return x
