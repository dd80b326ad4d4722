"""State diagrams of an ``FSM`` declaration, as Mermaid or Graphviz DOT text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from pgtrigger.contrib import _columns

if TYPE_CHECKING:
    from pgtrigger.contrib.fsm import FSM

FORMATS = ("mermaid", "dot")


def _label(value: Any) -> str:
    if value is None:
        return "None"
    text = str(value)
    return text if text.strip() else repr(text)  # Mermaid refuses an empty state label


def edges(trigger: FSM, model: type[models.Model]) -> tuple[list[Any], list[Any], list[tuple]]:
    """``(states, initial, transitions)`` of the diagram, wildcards expanded over ``states``.

    ``states`` are the field's choices (else the declared states); ``initial`` the declared
    initial states, else the field's default when it is a plain value.
    """
    from pgtrigger.contrib.fsm import ANY

    states = trigger.states(model)
    if trigger.initial is not None:
        starts = [trigger.normalize(model, s) for s in trigger.initial]
        initial = states if ANY in starts else starts
    else:
        field = _columns.concrete_field(model, trigger.field)
        plain = field.has_default() and not callable(field.default)
        default = field.get_default() if plain else ANY
        initial = [] if default == ANY else [trigger.normalize(model, default)]
    pairs: list[tuple[Any, Any]] = []
    for source, target in trigger.transitions:
        wildcard = ANY in (source, target)
        sources = states if source == ANY else [trigger.normalize(model, source)]
        targets = states if target == ANY else [trigger.normalize(model, target)]
        for s in sources:
            for t in targets:
                if (s, t) not in pairs and not (wildcard and s == t):
                    pairs.append((s, t))
    for value in [*initial, *(v for pair in pairs for v in pair)]:
        if value not in states:
            states.append(value)
    return states, initial, pairs


def _mermaid_text(text: str) -> str:
    # Mermaid decodes HTML entities in labels: a quote would end the label, "<b>" is markup.
    for char, entity in (("&", "&amp;"), ('"', "&quot;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, entity)
    return text.replace("\n", " ")


def mermaid(trigger: FSM, model: type[models.Model]) -> str:
    """A Mermaid ``stateDiagram-v2``; ``[*]`` points at the initial states."""
    states, initial, pairs = edges(trigger, model)
    ids = {i: f"s{i}" for i in range(len(states))}
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(_label(v))}" as {ids[i]}' for i, v in enumerate(states)]
    lines += [f"    [*] --> {ids[states.index(v)]}" for v in initial]
    lines += [f"    {ids[states.index(s)]} --> {ids[states.index(t)]}" for s, t in pairs]
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def dot(trigger: FSM, model: type[models.Model]) -> str:
    """A Graphviz ``digraph``; a point node marks the initial states."""
    states, initial, pairs = edges(trigger, model)
    lines = [
        f'digraph "{_dot_text(str(trigger.name))}" {{',
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


def render(trigger: FSM, model: type[models.Model], format: str = "mermaid") -> str:
    """The diagram in ``format`` (``"mermaid"`` or ``"dot"``)."""
    if format not in FORMATS:
        raise ValueError(f'Unknown diagram format "{format}": use one of {", ".join(FORMATS)}')
    return mermaid(trigger, model) if format == "mermaid" else dot(trigger, model)
