"""cnninspect: an architecture inspector and shape calculator for CNNs, exact to PyTorch."""

__version__ = "0.1.0"
