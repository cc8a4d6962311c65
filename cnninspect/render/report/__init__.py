"""The HTML report: one self-contained page (inline CSS, JS and SVG; nothing fetched) — html.py writes it,
charts.py draws its bar and scatter charts, page.css and page.js are inlined into it."""
