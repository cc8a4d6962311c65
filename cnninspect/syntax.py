"""The command line's words, as constants: importable by `--help` without the arithmetic behind them."""

STEP_SYNTAX = "KIND:f[/s[/p[/d]]][:ceil][:op=N][*REPEAT], e.g. conv:7/2/3, pool:3/2/1:ceil, tconv:4/2/1, conv:3/1/1*3"
KIND_NAMES = ("conv", "transposed", "maxpool", "avgpool")  # core.window.Kind's values (a test keeps them equal)
# The element types, written once: name (torch's own: torch.float32, ...) -> bytes per element. The choices of
# --dtype, the memory figures (core.summary) and the torch dtypes of --time (torch_backend.timing) derive from it.
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}
DTYPES = tuple(DTYPE_BYTES)
