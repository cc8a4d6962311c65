"""`cnninspect import`: a PyTorch model (torchvision, timm, a file, a module) as a spec, exactly.

Named import_ because `import` is Python's keyword; cli.get_command finds the command as `import_`.
"""

from __future__ import annotations

import click

from cnninspect.commands.formats import emit, output_option
from cnninspect.commands.options import input_option, parse_input, parse_settings, set_option


@click.command("import")
@click.argument("source", metavar="SOURCE")
@output_option("Write the spec to FILE instead of stdout (- is stdout).")
@set_option
@input_option
def import_(source: str, output_file: str | None, settings: tuple[str, ...], input_text: str | None) -> None:
    """Import the PyTorch model SOURCE as a spec: module paths, layers and numbers exactly the module's.

    \b
    SOURCE is one of
      torchvision:NAME       a torchvision model (untrained), e.g. torchvision:efficientnet_b3
      timm:NAME              a timm model (untrained), e.g. timm:resnet50d
      FILE.py:NAME           a class or a function that makes the model, in a Python file
      package.module:NAME    the same, in an importable module
    --set NAME=VALUE passes a keyword argument to it; --input is the example input it is traced at
    [default: the module's input_size attribute, timm's pretrained_cfg, torchvision's weights' crop;
    a file's class without input_size needs --input].

    \b
    The module is traced with torch.fx (layers kept whole as modules), run once on the CPU (on zeros where
    it was built without weights), and the spec is checked against torch (every module's output shape, parameters, buffers, MACs as
    FlopCounterMode): anything it cannot express is listed and nothing is written (exit 2). A source also
    works wherever a spec does (cnninspect summary timm:resnet50d): the imported spec is cached.
    Needs the torch extra, and torchvision or timm for their sources.

    \b
      cnninspect import examples/small_resnet.py:SmallResNet --output small_resnet.yaml
      cnninspect import examples/small_resnet.py:SmallResNet --set width=32 --input 3x64x64
    """
    from cnninspect.spec.load import imported_text
    from cnninspect.torch_backend.sources import source_of

    shape = parse_input(input_text, ()) or None
    emit(imported_text(source_of(source), parse_settings(settings), shape), output_file)
