"""Sources: how a model argument is read (torch-free), and how the torch backend builds the module it names."""

from __future__ import annotations

import textwrap

import pytest

from cnninspect.errors import InputError
from cnninspect.spec import source as spec_source
from cnninspect.spec.sources import SPEC_SUFFIXES, Source, is_source, parse
from tests.torch_oracle import MISSING


@pytest.mark.parametrize("text, expected", [
    ("torchvision:resnet18", Source("torchvision", "torchvision", "resnet18", "torchvision:resnet18")),
    ("timm:resnet50d", Source("timm", "timm", "resnet50d", "timm:resnet50d")),
    ("timm:resnet50.a1_in1k", Source("timm", "timm", "resnet50.a1_in1k", "timm:resnet50.a1_in1k")),
    ("models/net.py:MyNet", Source("file", "models/net.py", "MyNet", "models/net.py:MyNet")),
    ("net.py:Outer.Inner", Source("file", "net.py", "Outer.Inner", "net.py:Outer.Inner")),
    ("C:\\models\\net.py:Net", Source("file", "C:\\models\\net.py", "Net", "C:\\models\\net.py:Net")),
    ("pkg.models:make", Source("module", "pkg.models", "make", "pkg.models:make")),
])
def test_a_source_is_read_by_its_spelling(text, expected):
    assert parse(text) == expected
    assert is_source(text)


@pytest.mark.parametrize("text", ["resnet18", "zoo:resnet18", "-", "nets/a.yaml", "a:b.yaml", "timm:x.json",
                                  "odd:name.toml", "./a:b", "x.py", "nets/a", "a b:c"])
def test_a_spec_is_never_a_source(text):
    assert parse(text) is None


@pytest.mark.parametrize("text, fragment", [("timm:", "needs a model name"), ("net.py:", "the name of a class"),
                                            ("net.py:1x", "the name of a class"), ("pkg.mod:a-b", "an identifier")])
def test_a_malformed_source_is_refused(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse(text)
    assert is_source(text)


def test_the_spec_suffixes_are_the_readers():
    assert set(SPEC_SUFFIXES) == set(spec_source.FORMATS)


# --- the torch backend's loader ------------------------------------------------------------------------------

torch_only = pytest.mark.skipif(bool(MISSING), reason=MISSING or "")

NET = textwrap.dedent("""
    import torch
    from torch import nn

    class Net(nn.Module):
        input_size = (3, 8, 8)

        def __init__(self, width=4):
            super().__init__()
            self.conv = nn.Conv2d(3, width, 3)

        def forward(self, x):
            return self.conv(x)

    def make(width=4):
        return Net(width)

    def broken():
        raise ValueError("no such width")

    def not_a_module():
        return [1, 2]

    NUMBER = 3
    """)


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(NET)
    return path


@torch_only
def test_a_class_and_a_factory_take_the_settings(net):
    from cnninspect.torch_backend.sources import example_input, load_module

    module = load_module(f"{net}:Net", {"width": 6})
    assert module.conv.out_channels == 6 and not module.training
    assert load_module(f"{net}:make").conv.out_channels == 4
    assert example_input(f"{net}:Net", module) == (3, 8, 8)


@torch_only
@pytest.mark.parametrize("name, args, fragment", [
    ("Missing", {}, "no class or function named 'Missing' (it defines Net)"),
    ("broken", {}, ":19: building broken raised ValueError: no such width"),
    ("not_a_module", {}, "returned a list, not a torch.nn.Module"),
    ("NUMBER", {}, "int is not a class or a function"),
    ("Net", {"depth": 2}, "building Net raised TypeError"),
])
def test_a_failure_is_one_located_line(net, name, args, fragment):
    from cnninspect.torch_backend.sources import load_module

    with pytest.raises(InputError) as raised:
        load_module(f"{net}:{name}", args)
    assert fragment in str(raised.value) and "\n" not in str(raised.value)


@torch_only
def test_a_missing_file_a_syntax_error_and_a_raising_file(tmp_path):
    from cnninspect.torch_backend.sources import load_module

    with pytest.raises(InputError, match="nope.py: no such file"):
        load_module(f"{tmp_path}/nope.py:Net")
    (tmp_path / "bad.py").write_text("x = (\n")
    with pytest.raises(InputError, match=r"bad.py:1:\d+: "):
        load_module(f"{tmp_path}/bad.py:Net")
    (tmp_path / "raises.py").write_text("import torch\n\nraise RuntimeError('at import')\n")
    with pytest.raises(InputError, match=r"raises.py:3: importing it raised RuntimeError: at import"):
        load_module(f"{tmp_path}/raises.py:Net")
    with pytest.raises(InputError, match="no module named 'no_such_package_here'"):
        load_module("no_such_package_here.models:Net")


@torch_only
def test_a_library_not_installed_says_how_to_install_it(monkeypatch):
    import builtins

    from cnninspect.torch_backend import sources

    real = builtins.__import__

    def absent(name, *args, **kwargs):
        if name.split(".")[0] in ("timm", "torchvision"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", absent)
    monkeypatch.setattr(sources.importlib, "import_module", lambda name: absent(name))
    with pytest.raises(InputError, match=r"timm: sources timm:NAME need timm, which is not installed: pip install timm"):
        sources.load_module("timm:resnet50d")
