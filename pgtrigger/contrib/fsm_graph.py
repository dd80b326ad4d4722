"""State diagrams as Mermaid or Graphviz DOT text: ``FSM.graph()`` draws its machine here.

The ``FSM`` expands its wildcards into the edges; this module only writes them out, so it
imports nothing of ``fsm.py``.
"""

from __future__ import annotations

from typing import Any

FORMATS = ("mermaid", "dot")

Edges = tuple[list[Any], list[Any], list[tuple[Any, Any]]]
"""``(states, initial states, transitions)``: what ``FSM._edges()`` computes for a model."""


def _label(value: Any) -> str:
    if value is None:
        return "None"
    text = str(value)
    return text if text.strip() else repr(text)  # Mermaid refuses an empty state label


def _mermaid_text(text: str) -> str:
    # Mermaid decodes HTML entities in labels: a quote would end the label, "<b>" is markup.
    for char, entity in (("&", "&amp;"), ('"', "&quot;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, entity)
    return text.replace("\n", " ")


def mermaid(edges: Edges) -> str:
    """A Mermaid ``stateDiagram-v2``; ``[*]`` points at the initial states."""
    states, initial, pairs = edges
    ids = {i: f"s{i}" for i in range(len(states))}
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(_label(v))}" as {ids[i]}' for i, v in enumerate(states)]
    lines += [f"    [*] --> {ids[states.index(v)]}" for v in initial]
    lines += [f"    {ids[states.index(s)]} --> {ids[states.index(t)]}" for s, t in pairs]
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def dot(name: str, edges: Edges) -> str:
    """A Graphviz ``digraph`` named ``name``; a point node marks the initial states."""
    states, initial, pairs = edges
    lines = [
        f'digraph "{_dot_text(name)}" {{',
        "    rankdir=LR;",
        "    node [shape=box, style=rounded];",
    ]
    if initial:
        lines.append('    "[*]" [shape=point, width=0.2];')
    lines += [f'    s{i} [label="{_dot_text(_label(v))}"];' for i, v in enumerate(states)]
    lines += [f'    "[*]" -> s{states.index(v)};' for v in initial]
    lines += [f"    s{states.index(s)} -> s{states.index(t)};" for s, t in pairs]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(name: str, edges: Edges, format: str = "mermaid") -> str:
    """The diagram of the machine ``name`` in ``format`` (``"mermaid"`` or ``"dot"``)."""
    if format not in FORMATS:
        raise ValueError(f'Unknown diagram format "{format}": use one of {", ".join(FORMATS)}')
    return mermaid(edges) if format == "mermaid" else dot(name, edges)
