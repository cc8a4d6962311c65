"""The report's charts as inline SVG: a bar per layer (parameters, MACs, memory), coloured by kind group, and
accuracy against compute for several models. Every text is inert, then escaped."""

from __future__ import annotations

import math
from html import escape  # &, <, > and both quotes, as XML reads them too (xml.sax.saxutils imports urllib)

from cnninspect.inert import inert
from cnninspect.render import figures
from cnninspect.render.diagram.style import COLOURS

WIDTH, HEIGHT = 900, 110


def bars(title: str, values: list[tuple[str, str, int]], unit) -> str:
    """One bar per (label, group, value), in forward order; `unit` writes a value (figures.human, figures.size)."""
    top = max((v for _, _, v in values), default=0)
    step = WIDTH / max(len(values), 1)
    out = [f'<figure class="bars"><figcaption>{escape(title)} per layer (largest: {escape(unit(top))})'
           f'</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 2}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT + 2}" role="img"><rect width="{WIDTH}" height="{HEIGHT + 2}" '
           f'fill="#f9fafb"/>']
    for index, (label, group, value) in enumerate(values):
        if not value:
            continue
        h = max(1.0, HEIGHT * value / top)
        out.append(f'<rect x="{index * step:.2f}" y="{HEIGHT - h + 1:.2f}" width="{max(step - 0.5, 0.5):.2f}" '
                   f'height="{h:.2f}" fill="{COLOURS[group][1]}"><title>{escape(inert(label))}: '
                   f'{escape(unit(value))}</title></rect>')
    out.append("</svg></figure>")
    return "".join(out)


def accuracy(points: list[tuple[str, int, float, int]]) -> str:
    """ImageNet top-1 against MACs (log scale), a bubble's area by parameters: (label, macs, top1, params)."""
    if not points:
        return '<p class="note">None of these models has a published accuracy (acc@1 in its metadata).</p>'
    w, h, pad, top = 720, 380, 56, 16
    xs = [math.log10(max(m, 1)) for _, m, _, _ in points]
    ys = [a for _, _, a, _ in points]
    x0, x1 = math.floor(min(xs) - 0.15), math.ceil(max(xs) + 0.15)
    y0, y1 = math.floor(min(ys) - 3), math.ceil(max(ys) + 3)
    largest = max(p for *_, p in points) or 1

    def X(v: float) -> float:
        return pad + (v - x0) / (x1 - x0 or 1) * (w - 2 * pad)

    def Y(v: float) -> float:
        return h - pad - (v - y0) / (y1 - y0 or 1) * (h - pad - top)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="accuracy" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-size="11" font-family="sans-serif"><rect width="{w}" height="{h}" '
           f'fill="#ffffff"/>']
    for e in range(x0, x1 + 1):
        out.append(f'<line x1="{X(e):.1f}" x2="{X(e):.1f}" y1="{top}" y2="{h - pad}" stroke="#e5e7eb"/>'
                   f'<text x="{X(e):.1f}" y="{h - pad + 16}" text-anchor="middle">{_power(e)}</text>')
    for v in range(y0, y1 + 1, max(1, (y1 - y0) // 6)):
        out.append(f'<line x1="{pad}" x2="{w - pad}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#e5e7eb"/>'
                   f'<text x="{pad - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    out.append(f'<text x="{w / 2}" y="{h - 14}" text-anchor="middle">MACs per image (log scale)</text>'
               f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle">'
               f'ImageNet top-1 %</text>')
    ranked = sorted(zip(points, xs), key=lambda px: px[1])
    for rank, ((label, macs, top1, params), x) in enumerate(ranked):
        r = 4 + 26 * math.sqrt(params / largest)
        text = escape(inert(label))
        dy = 4 if rank % 2 == 0 else r + 12  # neighbours in x alternate beside and below, so close labels part
        dx = r + 3 if rank % 2 == 0 else 0
        anchor = "start" if rank % 2 == 0 else "middle"
        out.append(f'<g class="model"><circle cx="{X(x):.1f}" cy="{Y(top1):.1f}" r="{r:.1f}" fill="#2563eb" '
                   f'fill-opacity="0.35" stroke="#1e3a8a"><title>{text}: {figures.human(macs)} MACs, '
                   f'{top1:.2f}%, {figures.human(params)} params</title></circle><text x="{X(x) + dx:.1f}" '
                   f'y="{Y(top1) + dy:.1f}" text-anchor="{anchor}">{text}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _power(exponent: int) -> str:
    """10**exponent as an axis reads it: 100 M, 1 G, 10 G."""
    for scale, unit in ((12, " T"), (9, " G"), (6, " M"), (3, " k")):
        if exponent >= scale:
            return f"{10 ** (exponent - scale)}{unit}"
    return str(10 ** exponent)
