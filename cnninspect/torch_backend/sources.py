"""A source (spec/sources.py) as a live torch module, and the example input it is imported at.

`load_module(source, args)` builds the module: torchvision's and timm's registries by name (untrained weights),
a class or a factory of a Python file (loaded by its path with importlib: the file runs as Python, as `python
FILE` would; nothing is evaluated from text) or of an importable module. `args` (the command's --set values)
are its keyword arguments. Every failure is one located line (InputError, exit 2).

The example input (`example_input`), in order (docs/import.md):
1. the module's own `input_size` attribute (a class attribute counts): C x H x W as timm spells it;
2. timm's `pretrained_cfg["input_size"]` (every timm model has one);
3. torchvision: the crop its default weights are evaluated at (inception_v3: 299, efficientnet_b3: 300);
4. otherwise none: the command needs --input.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import traceback
import warnings

from cnninspect.core.graph import Loc
from cnninspect.errors import InputError
from cnninspect.extras import library_hint
from cnninspect.inert import inert
from cnninspect.spec.sources import Source, parse

MAX_SIZE = 1 << 20  # a size in an input_size attribute past this is no image


def source_of(text: str | Source) -> Source:
    found = parse(text) if isinstance(text, str) else text
    if found is None:
        raise InputError(f"{inert(text)}: not a source (torchvision:NAME, timm:NAME, FILE.py:NAME or "
                         f"package.module:NAME)")
    return found


def load_module(source: str | Source, args: dict | None = None, device: str | None = None):
    """The torch module `source` names, built with `args` as keyword arguments, in eval mode; on `device` if
    given (the importer builds on "meta": no weights to initialise)."""
    import torch

    source = source_of(source)
    args = dict(args or {})
    factory = _FACTORIES[source.kind](source)
    if isinstance(factory, torch.nn.Module):  # a module instance in the file: used as it is
        if args:
            raise InputError(f"{inert(source)}: an nn.Module instance takes no arguments; --set needs a class or a "
                             f"function that makes the model")
        module = factory
    elif not callable(factory):
        raise InputError(f"{inert(source)}: {type(factory).__name__} is not a class or a function that makes a "
                         f"torch.nn.Module")
    else:
        module = _called(source, factory, args, device)
    if not isinstance(module, torch.nn.Module):
        raise InputError(f"{inert(source)}: returned a {type(module).__name__}, not a torch.nn.Module")
    return module.eval()


def example_input(source: str | Source, module) -> tuple[int, ...] | None:
    """One sample's shape to import `module` at (the rule in this module's docstring), or None."""
    source = source_of(source)
    for found in (getattr(module, "input_size", None), _timm_size(module)):
        shape = _sizes(found)
        if shape is not None:
            return shape
    if source.kind == "torchvision":
        return _torchvision_crop(source.name)
    return None


def _sizes(value) -> tuple[int, ...] | None:
    if isinstance(value, (tuple, list)) and 1 <= len(value) <= 4 and all(
            type(n) is int and 0 < n <= MAX_SIZE for n in value):
        return tuple(value)
    return None


def _timm_size(module):
    config = getattr(module, "pretrained_cfg", None)
    return config.get("input_size") if isinstance(config, dict) else None


def _torchvision_crop(name: str) -> tuple[int, ...] | None:
    import torchvision

    try:
        weights = torchvision.models.get_model_weights(name)
        crop = list(list(weights)[0].transforms().crop_size)  # the weights' own evaluation crop
    except (ValueError, KeyError, AttributeError, IndexError, TypeError):
        return None
    crop = crop * 2 if len(crop) == 1 else crop  # [299]: 299 x 299
    return (3, *crop) if _sizes(crop) and len(crop) == 2 else None


def _library(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        raise InputError(f"{name}: sources {name}:NAME need {name}, which is not installed: "
                         f"{library_hint(name)}") from None


def _torchvision(source: Source):
    _library("torchvision")
    from torchvision import models

    names = models.list_models()
    if source.name not in names:
        raise InputError(f"{inert(source)}: torchvision has no model '{inert(source.name)}'{_close(source.name, names)}")
    return lambda **args: models.get_model(source.name, **args)


def _timm(source: Source):
    timm = _library("timm")
    if not timm.is_model(source.name):
        raise InputError(f"{inert(source)}: timm has no model '{inert(source.name)}'"
                         f"{_close(source.name, timm.list_models())}")
    return lambda **args: timm.create_model(source.name, pretrained=False, **args)


def _file(source: Source):
    path = os.path.abspath(source.target)
    if not os.path.isfile(path):
        what = "a folder, not a Python file" if os.path.isdir(path) else "no such file"
        raise InputError(f"{inert(source.target)}: {what}")
    unique = f"cnninspect_source_{abs(hash(path)):x}"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{inert(source.target)}: not a Python file importlib can load")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module  # dataclasses and pickling look a module up by name
    folder = os.path.dirname(path)
    sys.path.insert(0, folder)  # its sibling modules import, as under `python FILE`
    try:
        with _quiet():
            spec.loader.exec_module(module)
    except SyntaxError as error:
        sys.modules.pop(unique, None)
        raise InputError(inert(error.msg), loc=Loc(inert(source.target), error.lineno, error.offset or None)) from None
    except Exception as error:  # the file's own code raised: where in it, and what
        sys.modules.pop(unique, None)
        raise InputError(f"importing it raised {type(error).__name__}: {_first_line(error)}",
                         loc=_where_in(error, path, source.target)) from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return _attribute(module, source, source.target)


def _module(source: Source):
    try:
        module = importlib.import_module(source.target)
    except ModuleNotFoundError as error:
        if error.name and source.target.startswith(error.name):  # the module itself, not one it imports
            raise InputError(f"{inert(source)}: no module named '{inert(error.name)}'") from None
        raise InputError(f"{inert(source)}: importing {inert(source.target)} raised ModuleNotFoundError: "
                         f"{_first_line(error)}") from None
    except Exception as error:
        raise InputError(f"{inert(source)}: importing {inert(source.target)} raised {type(error).__name__}: "
                         f"{_first_line(error)}") from None
    return _attribute(module, source, source.target)


def _attribute(module, source: Source, shown: str):
    found = module
    for part in source.name.split("."):
        if part.startswith("__") or not hasattr(found, part):
            defined = sorted(n for n, v in vars(module).items() if not n.startswith("_") and isinstance(v, type)
                             and getattr(v, "__module__", None) == module.__name__)
            listed = f" (it defines {', '.join(map(inert, defined[:8]))})" if defined else ""
            raise InputError(f"{inert(shown)}: no class or function named '{inert(source.name)}'{listed}")
        found = getattr(found, part)
    return found


def _called(source: Source, factory, args: dict, device: str | None):
    import torch

    try:
        with _quiet(), (torch.device(device) if device else contextlib.nullcontext()):
            return factory(**args)
    except InputError:
        raise
    except Exception as error:
        loc = _where_in(error, os.path.abspath(source.target), source.target) if source.kind == "file" else None
        raise InputError(f"building {inert(source.name)} raised {type(error).__name__}: {_first_line(error)}",
                         loc=loc, where="" if loc else inert(source)) from None


def _where_in(error: BaseException, path: str, shown: str) -> Loc:
    """FILE:LINE of the innermost frame of `error`'s traceback in the file `path` (else the file alone)."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == path:
            line = frame.lineno
    return Loc(inert(shown), line)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return inert(text.splitlines()[0][:300]) if text else "(no message)"


def _close(name: str, names) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


@contextlib.contextmanager
def _quiet():
    """Libraries warn while building untrained models (init_weights, deprecations): not the user's business."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


_FACTORIES = {"torchvision": _torchvision, "timm": _timm, "file": _file, "module": _module}
