"""What torch cannot hold, said before torch is asked; what torch refuses, reported as a disagreement; and the
cross-check comparing the right things (functional layers, stand-ins for functions torch has no class for).

Refusals (exit 2) keep the bad-spec corpus' guarantees: nothing on stdout, one located line on stderr, no
traceback, under a second, bounded memory. `verify A B C` checks every model and exits with the worst status.
"""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch  # noqa: E402
from torch import nn  # noqa: E402

import cnninspect  # noqa: E402
from cnninspect.core.engine import analyze  # noqa: E402
from cnninspect.errors import InputError  # noqa: E402
from cnninspect.spec.load import load_model  # noqa: E402
from cnninspect.torch_backend import modules  # noqa: E402
from cnninspect.torch_backend.build import MAX_TENSOR_BYTES  # noqa: E402
from cnninspect.torch_backend.crosscheck import verify  # noqa: E402
from tests.cli_support import bounded_refusal, run_cli  # noqa: E402


def spec(tmp_path, layers: str, input_shape: str = "[3, 8, 8]", name: str = "net.yaml"):
    path = tmp_path / name
    path.write_text(f"input: {input_shape}\nlayers:\n{layers}")
    return path


# Names torch cannot hold: an attribute of every nn.Module, or of the model the spec builds.

TAKEN = ["forward", "training", "state_dict", "to", "cuda", "_modules", "add_module", "eval", "parameters",
         "spec_name", "aux_outputs"]


@pytest.mark.parametrize("name", TAKEN)
def test_a_layer_named_as_a_module_attribute_is_refused_where_it_is_written(tmp_path, name):
    path = spec(tmp_path, f"  - relu\n  - conv: {{name: {name}, out: 4, kernel: 3}}\n")
    bounded_refusal(["verify", str(path)], f"torch cannot hold a module named '{name}' in the model: ",
                    where=f"{path}:4:5: layer '{name}' (conv): ", warm=True)
    with pytest.raises(InputError, match="nn.Module.add_module refuses it; rename the layer"):
        cnninspect.build(str(path))


def test_in_a_block_too(tmp_path):
    path = spec(tmp_path, "  - seq: {name: stem, layers: [{conv: {name: zero_grad, out: 4, kernel: 3}}]}\n")
    bounded_refusal(["summary", str(path), "--verify"], "torch cannot hold a module named 'zero_grad' in 'stem': "
                    "every torch module (nn.Module) has an attribute of that name",
                    where=f"{path}:3:32: layer 'stem.zero_grad' (conv): ", warm=True)


def test_every_attribute_torch_refuses_is_refused_first_and_no_other_name(tmp_path):
    """torch is the oracle: add_module raises KeyError for exactly these names; the builder refuses them first."""
    plain = nn.Module()
    for name in ["weight", "bias", "Forward", "forward_", "layer1", "0", *(n for n in dir(plain) if n.isidentifier())]:
        try:
            nn.Module().add_module(name, nn.ReLU())
            torch_refuses = False
        except KeyError:
            torch_refuses = True
        path = spec(tmp_path, f"  - relu: {{name: '{name}'}}\n")
        try:
            model = cnninspect.build(str(path))
        except InputError as error:
            assert torch_refuses and "torch cannot hold a module named" in str(error), (name, error)
            continue
        assert not torch_refuses and [n for n, _ in model.named_children()] == [name], name


def test_a_name_torch_can_hold_keeps_its_exact_path(tmp_path):
    path = spec(tmp_path, "  - seq: {name: forward_, layers: [{conv: {name: weight, out: 4, kernel: 3}}]}\n")
    found = verify(analyze(load_model(str(path))))
    assert found.ok and found.layers == 1
    assert list(cnninspect.build(str(path)).state_dict()) == ["forward_.weight.weight", "forward_.weight.bias"]


# Sizes torch cannot represent: a tensor holds at most 2^63 - 1 bytes (float32: 2^61 - 1 elements).

def test_torch_itself_holds_2_to_the_61_minus_1_floats_and_no_more():
    assert torch.empty(2**61 - 1, device="meta").untyped_storage().nbytes() <= MAX_TENSOR_BYTES
    with pytest.raises(RuntimeError, match="overflow"):
        torch.empty(2**61, device="meta")


# Every number a spec writes is within 10^18 (the analysis refuses more), so these tensors are large by their
# products: each size fits, the bytes do not.
@pytest.mark.parametrize("layers, input_shape, where, message", [
    ("  - conv: {name: c, out: 1000000000000000000, kernel: 3}\n", "[3, 8, 8]", ":3:5: layer 'c' (conv): ",
     f"torch cannot hold its output: 1x{10**18}x6x6 elements of 4 bytes take {10**18 * 36 * 4:,} bytes"),
    ("  - linear: {name: fc, out: 2147483648}\n", "[2147483648]", ":3:5: layer 'fc' (linear): ",
     f"torch cannot hold its parameters: {2**62 + 2**31:,} elements of 4 bytes take {(2**62 + 2**31) * 4:,} bytes"),
    ("  - upsample: {name: up, scale: 5}\n", "[1, 500000000000000000]", ":3:5: layer 'up' (upsample): ",
     f"torch cannot hold its output: 1x1x{5 * 5 * 10**17} elements of 4 bytes take {4 * 5 * 5 * 10**17:,} "
     "bytes; a torch tensor holds at most 2^63 - 1 (9,223,372,036,854,775,807) bytes"),
    ("  - relu\n", f"[3, {10**18}]", ": torch cannot hold the input: ", f"1x3x{10**18} elements"),
    # 4 x (2^59 - 1) = 2^61 - 4 floats: torch holds them; torchinfo's sys.getsizeof adds its overhead
    ("  - relu\n", f"[4, {2**59 - 1}]", ": torchinfo, which the cross-check runs, cannot measure an input",
     "past sys.getsizeof's 9,223,372,036,854,775,807"),
])
def test_a_tensor_torch_cannot_represent_is_refused_in_one_line(tmp_path, layers, input_shape, where, message):
    path = spec(tmp_path, layers, input_shape)
    bounded_refusal(["verify", str(path)], message, where=f"{path}{where}", warm=True)


def test_the_largest_input_torchinfo_measures_is_verified(tmp_path):
    overhead = __import__("sys").getsizeof(torch.empty(0, device="meta").untyped_storage())
    most = (2**63 - 1 - overhead) // 4  # floats; as two sizes of at most 10^18, within 3 of the most
    path = spec(tmp_path, "  - relu: {name: r}\n", f"[4, {most // 4}]")
    assert verify(analyze(load_model(str(path)))).ok


def test_time_refuses_what_its_dtype_cannot_hold(tmp_path):
    path = spec(tmp_path, "  - relu\n", f"[2, {2**59}]")  # 2^60 elements: float32 holds them, float64 not
    bounded_refusal(["summary", str(path), "--time", "--dtype", "float64"],
                    f"torch cannot hold the input: 1x2x{2**59} elements of 8 bytes", where=f"{path}: ", warm=True)


# What torch refuses though the analysis accepts it: a disagreement at that layer (exit 1), never a traceback.

def refusing(kind: str, error: Exception, when: str):
    """A builder for `kind` whose module torch refuses, building it or running it."""
    real = modules.BUILDERS[kind]

    class Refused(nn.Module):
        def forward(self, x):
            raise error

    def build(p, x):
        if when == "build":
            raise error
        real(p, x)
        return Refused()

    return build


@pytest.mark.parametrize("when, error, verb", [
    ("build", ValueError("padding_mode must be one of ..."), "refuses to build it: padding_mode must be one of"),
    ("run", RuntimeError("Padding size should be less than the input"), "refuses to run it: Padding size should"),
    ("run", NotImplementedError("no kernel\nfor this"), "refuses to run it: no kernel"),
])
def test_what_torch_refuses_is_a_disagreement_at_that_layer(monkeypatch, tmp_path, when, error, verb):
    monkeypatch.setitem(modules.BUILDERS, "upsample", refusing("upsample", error, when))
    path = spec(tmp_path, "  - conv: {name: c, out: 4, kernel: 3}\n  - upsample: {name: up, scale: 2}\n")
    found = verify(analyze(load_model(str(path))))
    assert not found.ok and found.checked == frozenset()
    [(where, what, ours, theirs)] = [(m.path, m.what, m.ours, m.torch) for m in found.mismatches]
    assert (where, what, ours) == ("up", "layer", "accepts it (Upsample, output 1x4x12x12)")
    assert theirs == f"{verb}" or theirs.startswith(verb), theirs


def test_a_bug_in_a_builder_keeps_its_traceback(monkeypatch, tmp_path):
    monkeypatch.setitem(modules.BUILDERS, "upsample", refusing("upsample", TypeError("a bug of ours"), "run"))
    path = spec(tmp_path, "  - upsample: {name: up, scale: 2}\n")
    with pytest.raises(TypeError, match="a bug of ours") as raised:
        verify(analyze(load_model(str(path))))
    assert any("layer 'up' (upsample)" in note for note in raised.value.__notes__)  # the layer named for the reader


def test_verify_checks_every_model_and_exits_with_the_worst(monkeypatch, tmp_path):
    refused = spec(tmp_path, "  - upsample: {name: up, scale: 2}\n", name="refused.yaml")
    taken = spec(tmp_path, "  - conv: {name: forward, out: 4, kernel: 3}\n", name="taken.yaml")
    monkeypatch.setitem(modules.BUILDERS, "upsample", refusing("upsample", RuntimeError("no"), "run"))
    result = run_cli(["verify", str(refused), "lenet5", str(taken), "alexnet"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2  # the worst: an invalid spec (2) over a disagreement (1) over agreement (0)
    out = result.stdout.splitlines()
    assert out[0] == f"{refused}: ✗ torch {torch.__version__} disagrees in 1 place(s):"
    assert out[1] == "  up: layer: cnninspect accepts it (Upsample, output 1x3x16x16), torch refuses to run it: no"
    assert out[2].startswith("lenet5: ✓") and out[3].startswith("alexnet: ✓") and len(out) == 4
    assert result.stderr.splitlines() == [f"cnninspect: error: {taken}:3:5: layer 'forward' (conv): torch cannot "
                                          f"hold a module named 'forward' in the model: every torch module "
                                          f"(nn.Module) has an attribute of that name, and nn.Module.add_module "
                                          f"refuses it; rename the layer"]
    assert run_cli(["verify", str(refused), "lenet5"]).exit_code == 1


def test_a_spec_torch_refuses_never_ends_verify(tmp_path):
    """Whether the analysis refuses it too (exit 2) or torch alone (exit 1), the next model is still checked."""
    for layers, shape in [("  - conv: {name: c, out: 4, kernel: 3, padding: 3, padding_mode: reflect}\n", "[3, 2, 2]"),
                          ("  - upsample: {name: up, scale: 2, mode: nearest, align_corners: true}\n", "[3, 4, 4]")]:
        result = run_cli(["verify", str(spec(tmp_path, layers, shape)), "lenet5"])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (1, 2) and result.stdout.splitlines()[-1].startswith("lenet5: ✓")


# The right things compared.

def test_a_spec_of_functional_layers_only_agrees(tmp_path):
    path = spec(tmp_path, "  - relu: {functional: true}\n  - maxpool: {kernel: 2, functional: true}\n"
                          "  - flatten: {functional: true}\n")
    found = verify(analyze(load_model(str(path))))
    assert found.ok and found.layers == 0, found.mismatches
    assert run_cli(["summary", str(path), "--verify"]).exit_code == 0


def test_chunk_and_channel_shuffle_as_modules_agree(tmp_path):
    path = spec(tmp_path, "  - conv: {name: c, out: 8, kernel: 3}\n  - chunk: {name: piece, chunks: 2, index: 1}\n"
                          "  - channel_shuffle: {name: shuffle, groups: 2}\n  - relu: {functional: true}\n")
    found = verify(analyze(load_model(str(path))))
    assert found.ok and found.layers == 3 and len(found.checked) == 3, found.mismatches


def test_a_stand_in_of_the_wrong_name_is_still_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(modules.Chunk, "type_name", "Chunk")
    path = spec(tmp_path, "  - chunk: {name: piece, chunks: 2, index: 1}\n")
    found = verify(analyze(load_model(str(path))))
    assert [(m.path, m.what, m.ours, m.torch) for m in found.mismatches] == [("piece", "type", "chunk", "Chunk")]


def test_a_parameter_named_as_a_module_attribute_is_refused_too(tmp_path):
    path = spec(tmp_path, "  - seq: {name: blk, layers: [{layer_scale: {name: cpu}}]}\n")
    bounded_refusal(["verify", str(path)], "torch cannot hold a parameter named 'cpu' in 'blk': every torch module "
                    "(nn.Module) has an attribute of that name, and nn.Module.register_parameter refuses it",
                    where=f"{path}:3:31: layer 'blk.cpu' (layer_scale): ", warm=True)


def test_time_says_what_torch_refuses_in_one_line(tmp_path, monkeypatch):
    taken = spec(tmp_path, "  - conv: {name: forward, out: 4, kernel: 3}\n", name="taken.yaml")
    bounded_refusal(["summary", str(taken), "--time", "--runs", "1", "--warmup", "0"],
                    "torch cannot hold a module named 'forward'", where=f"{taken}:3:5: layer 'forward' (conv): ",
                    warm=True)
    monkeypatch.setitem(modules.BUILDERS, "upsample", refusing("upsample", ValueError("not in this mode"), "run"))
    refused = spec(tmp_path, "  - upsample: {name: up, scale: 2}\n", name="refused.yaml")
    for command in (["summary", str(refused)], ["compare", "lenet5", str(refused)]):
        bounded_refusal([*command, "--time", "--runs", "1", "--warmup", "0", "--device", "cpu"],
                        "torch could not run the model on cpu in float32: not in this mode",
                        where=f"{refused}:3:5: layer 'up' (upsample): ", warm=True)
