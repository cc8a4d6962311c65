"""Architecture diagrams drawn from an analysis: structure.py (the boxes and edges), fold.py (folded to a depth),
layout.py (where each goes: sequences stack, branches side by side, auxiliary heads apart), svg.py and text.py
(SVG; mermaid and dot). No layout program is needed: the spec's structure is the layout."""
