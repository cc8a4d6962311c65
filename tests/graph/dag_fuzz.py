"""Random DAG specs: layers that read earlier outputs (`from`, absolute or relative), merges of earlier outputs
(`inputs`), outputs named with `as`, and modules used again (`share`); and an oracle that runs them in torch alone.

The strategy tracks each output's shape (convolutions with odd kernels and padding k//2, pools of 3/2/1), so that
most merges it draws are valid; the oracle interprets the same data with torch modules of its own, a dict of
outputs by name and one module per name, so that a shared module is one module called twice."""

from __future__ import annotations

import warnings

from hypothesis import strategies as st


@st.composite
def dag_specs(draw, max_steps: int = 8) -> dict:
    ndim = draw(st.integers(1, 2))
    c = draw(st.integers(1, 4))
    shape = (c, *(draw(st.integers(3, 12)) for _ in range(ndim)))
    outs = [("input", shape)]  # every output a reference may read, in order: (name, shape)
    convs: list[tuple[str, int, int, int]] = []  # (name, input channels, out, stride) of each conv module
    layers, current = [], shape
    for k in range(draw(st.integers(1, max_steps))):
        name = f"n{k}"
        kind = draw(st.sampled_from(["conv", "conv", "act", "pool", "share", "add", "concat", "from"]))
        fields: dict = {}
        if kind in ("conv", "act", "pool") and draw(st.integers(0, 2)) == 0:
            source, current = draw(st.sampled_from(outs))
            fields["from"] = draw(st.sampled_from([source, "/" + source]))
        if kind == "conv":
            kernel, stride = draw(st.sampled_from([1, 3])), draw(st.integers(1, 2))
            out = draw(st.integers(1, 6))
            fields.update(name=name, out=out, kernel=kernel, stride=stride, padding=kernel // 2)
            after = (out, *((n - 1) // stride + 1 for n in current[1:]))
            convs.append((name, current[0], out, stride))
            layers.append({"conv": fields})
        elif kind == "act":
            layers.append({draw(st.sampled_from(["relu", "sigmoid"])): {"name": name, **fields}})
            after = current
        elif kind == "pool":
            layers.append({"maxpool": {"name": name, "kernel": 3, "stride": 2, "padding": 1, **fields}})
            after = (current[0], *((n - 1) // 2 + 1 for n in current[1:]))
        elif kind == "share":
            fits = [conv for conv in convs if conv[1] == current[0]]
            if not fits:
                continue
            name, _, out, stride = draw(st.sampled_from(fits))
            layers.append({"share": name})
            after = (out, *((n - 1) // stride + 1 for n in current[1:]))
        else:
            same = [n for n, s in outs if (s == current if kind == "add" else s[1:] == current[1:])]
            if kind == "from" or not same:
                source, after = draw(st.sampled_from(outs))
                layers.append({"from": source})
                current = after
                continue
            picked = draw(st.lists(st.sampled_from(same), min_size=1, max_size=3))
            layers.append({kind: {"inputs": picked, "branches": [[]], "as": name}})
            widths = [dict(outs)[p][0] for p in picked]
            after = current if kind == "add" else (sum(widths) + current[0], *current[1:])
        current = after
        outs = [(n, s) for n, s in outs if n != name] + [(name, current)]
    return {"name": "dag", "input": list(shape), "layers": layers}


def run_dag_in_torch(spec: dict, x):
    """(output, [(class, output shape, parameters counted) per module call], FLOPs, the modules by name)."""
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    holder = nn.Module()  # the modules, registered by name in the order of their first use
    outputs, calls = {"input": x}, []
    with warnings.catch_warnings(), torch.no_grad(), FlopCounterMode(display=False) as counter:
        warnings.simplefilter("ignore")  # lazy modules announce themselves
        for layer in spec["layers"]:
            kind, fields = next(iter(layer.items()))
            if kind == "from":
                x = outputs[fields.lstrip("/")]
                continue
            if kind == "share":
                module = holder._modules[fields]
                x = module(x)
                calls.append((type(module).__name__, tuple(x.shape), 0))
                outputs[fields] = x
                continue
            if "from" in fields:
                x = outputs[fields["from"].lstrip("/")]
            if kind in ("add", "concat"):
                operands = [outputs[p] for p in fields["inputs"]] + [x]
                x = torch.cat(operands, 1) if kind == "concat" else sum(operands[1:], operands[0])
                outputs[fields["as"]] = x
                continue
            module = _module(kind, fields, x.dim() - 2)
            holder.add_module(fields["name"], module)
            x = module(x)
            module.eval()
            calls.append((type(module).__name__, tuple(x.shape), sum(p.numel() for p in module.parameters())))
            outputs[fields["name"]] = x
    return x, calls, counter.get_total_flops(), holder


def _module(kind: str, f: dict, rank: int):
    from torch import nn

    if kind == "conv":
        return getattr(nn, f"LazyConv{rank}d")(f["out"], f["kernel"], f["stride"], f["padding"])
    if kind == "maxpool":
        return getattr(nn, f"MaxPool{rank}d")(3, 2, 1)
    return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[kind]()
