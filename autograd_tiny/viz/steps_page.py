"""The standalone steps page: one SVG, its states as JSON, and a script that shows one state at a time.

Any picture drawn once can be stepped through this way: a state gives, for each element id of
the SVG, its class attribute, its texts and an optional colour. Only what changes from one
step to the next is stored. The page needs nothing but a browser: no server, no network.
The picture fills the window's height below the controls and scrolls to each step's elements
(classes ``current`` and ``hot``) as it is shown.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from importlib.resources import files
from typing import Any, NamedTuple, TypeAlias

# element id -> (class attribute, its texts in order, a colour for its shape or "" for the stylesheet's)
ElementStates: TypeAlias = dict[str, tuple[str, tuple[str, ...], str]]

MIN_TEXT_PX = 12  # the smallest on-screen text size the page opens with

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1em; color: #222; }
.bar { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; margin-bottom: .5em; }
.bar input[type=range] { flex: 1 1 12em; min-width: 8em; }
.title { font-weight: bold; margin: .3em 0; }
.number { min-width: 6.5em; font-variant-numeric: tabular-nums; }
.description { min-height: 2.6em; margin: .3em 0; }
.legend { display: flex; flex-wrap: wrap; gap: .3em 1.2em; list-style: none; padding: 0; margin: .3em 0; }
.swatch { display: inline-block; width: 1.1em; height: .9em; border: 1px solid #555; border-radius: 3px;
          vertical-align: middle; margin-right: .3em; }
.view { overflow: auto; border: 1px solid #ccc; height: 70vh; min-height: 12em; cursor: grab;
        touch-action: none; }
.view svg { display: block; }
body.beside .layout { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 0 1em;
                      align-items: start; }
body.beside .view { max-width: calc(100vw - 400px); }
"""


class PageStep(NamedTuple):
    """What the page says about one step: its pass, a short title and a sentence for every reader."""

    phase: str
    title: str
    text: str


class LegendEntry(NamedTuple):
    """One swatch of the legend: its CSS (background, border) and what it means."""

    swatch: str
    meaning: str


def number_texts(svg: str, prefixes: str) -> str:
    """Give the k-th <text> of each group whose id starts with one of ``prefixes`` the id ``{id}-{k}``.

    Graphviz writes one group per node or edge, with the id given in DOT; numbering its texts
    lets a script change them.
    """
    group = re.compile(rf'(<g id="([{re.escape(prefixes)}][\w.-]*)" class="[^"]*">)(.*?)(</g>)', re.DOTALL)

    def number(match: re.Match[str]) -> str:
        head, gid, body, tail = match.groups()
        count = iter(range(len(body)))
        return head + re.sub(r"<text ", lambda _: f'<text id="{gid}-{next(count)}" ', body) + tail

    return group.sub(number, svg)


def _diffs(states: Sequence[ElementStates]) -> list[dict[str, Any]]:
    """The first state whole, then for each step only the elements that changed."""
    out: list[dict[str, Any]] = []
    previous: ElementStates = {}
    for state in states:
        out.append({eid: [cls, list(texts), fill] for eid, (cls, texts, fill) in state.items()
                    if previous.get(eid) != (cls, texts, fill)})  # fmt: skip
        previous = state
    return out


def page(
    svg: str,
    steps: Sequence[PageStep],
    states: Sequence[ElementStates],
    legend: Sequence[LegendEntry],
    *,
    title: str,
    css: str = "",
) -> str:
    """The HTML of a self-contained page stepping through ``states`` of the one picture ``svg``."""
    if len(steps) != len(states) or not steps:
        raise ValueError(f"page: {len(steps)} steps but {len(states)} states")
    phases = [s.phase for s in steps]
    data = {
        "minTextPx": MIN_TEXT_PX,
        "phaseStart": {p: phases.index(p) for p in dict.fromkeys(phases)},
        "steps": [{"phase": s.phase, "title": s.title, "text": s.text} for s in steps],
        "changes": _diffs(states),
    }
    items = "".join(
        f'<li><span class="swatch" style="{html.escape(e.swatch)}"></span>{html.escape(e.meaning)}</li>'
        for e in legend
    )
    jumps = "".join(
        f'<button class="phase" data-step="{start}">{html.escape(phase)} pass</button>'
        for phase, start in data["phaseStart"].items()  # type: ignore[attr-defined]
    ) if len(data["phaseStart"]) > 1 else ""  # type: ignore[arg-type]
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    script = "\n".join(files("autograd_tiny.viz").joinpath(name).read_text(encoding="utf-8")
                       for name in ("follow.js", "steps_page.js"))  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)}</title>
<style>{_STYLE}{css}</style></head>
<body>
<div class="layout"><div class="panel">
<h1 style="font-size:1.2em;margin:0 0 .4em">{html.escape(title)}</h1>
<div class="bar" role="toolbar" aria-label="step through the picture">
<button id="first" title="first step (Home)" aria-label="first step">|&#x25C0;</button>
<button id="prev" title="previous step (left arrow)">&#x25C0; previous</button>
<input id="slider" type="range" min="0" max="{len(steps) - 1}" value="0" step="1" aria-label="step">
<output id="step-number" for="slider" class="number"></output>
<button id="next" title="next step (right arrow)">next &#x25B6;</button>
<button id="last" title="last step (End)" aria-label="last step">&#x25B6;|</button>
<button id="play" aria-pressed="false">&#x25B6; play</button>
<label>speed <select id="speed"><option value="2000">slow</option>
<option value="1000" selected>normal</option><option value="400">fast</option></select></label>
{jumps}
<span role="group" aria-label="zoom"><button id="zoom-out" aria-label="zoom out">&#x2212;</button>
<button id="zoom-fit" title="fit the whole picture to the width">fit</button>
<button id="zoom-in" aria-label="zoom in">+</button></span>
</div>
<p id="title" class="title"></p>
<p id="description" class="description" aria-live="polite"></p>
<ul class="legend" aria-label="legend">{items}</ul>
<p style="font-size:.85em;color:#555;margin:.2em 0">Keys: &#x2190; &#x2192; one step,
Home / End the first / last; wheel to zoom, drag to pan.</p>
</div><div id="view" class="view">{svg}</div></div>
<script id="steps-data" type="application/json">{payload}</script>
<script>{script}</script>
</body></html>
"""
