"""The command line's words, as constants: importable by `--help` without the arithmetic behind them."""

STEP_SYNTAX = "KIND:f[/s[/p[/d]]][:ceil][:op=N][*REPEAT], e.g. conv:7/2/3, pool:3/2/1:ceil, tconv:4/2/1, conv:3/1/1*3"
KIND_NAMES = ("conv", "transposed", "maxpool", "avgpool")  # core.window.Kind's values (a test keeps them equal)
DTYPES = ("float32", "float16", "bfloat16", "float64")  # core.summary.DTYPE_BYTES's keys (likewise)
