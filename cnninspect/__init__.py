"""cnninspect: an architecture inspector and shape calculator for CNNs, exact to PyTorch."""

__version__ = "0.1.0"


def build(spec, input_shape=None, args=None):
    """The torch nn.Module of a spec: a zoo name, a file, a PyTorch source (its spec imported: `args` are then
    its constructor's), or a loaded Model (needs the torch extra).

    >>> model = cnninspect.build("resnet18")   # module paths and state_dict keys as torchvision's
    """
    from cnninspect.torch_backend import require_torch

    require_torch("cnninspect.build")
    from cnninspect.core.engine import analyze
    from cnninspect.spec.load import load_with
    from cnninspect.torch_backend.build import SpecModel

    model, args = load_with(spec, args) if isinstance(spec, str) else (spec, args)
    return SpecModel(analyze(model, input_shape, args))
