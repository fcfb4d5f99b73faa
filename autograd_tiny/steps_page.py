"""The standalone steps page: one SVG, the steps as JSON, and a script that shows them one at a time.

The page needs nothing but a browser: no server, no network, no other file.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Any

from autograd_tiny.stepview import FONT_SIZE, StepPictures, legend

MIN_TEXT_PX = 12  # the smallest on-screen text size the page opens with

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1em; color: #222; }
.bar { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; margin-bottom: .5em; }
.bar input[type=range] { flex: 1 1 12em; min-width: 8em; }
.title { font-weight: bold; margin: .3em 0; }
.description { min-height: 2.6em; margin: .3em 0; }
.legend { display: flex; flex-wrap: wrap; gap: .3em 1.2em; list-style: none; padding: 0;
          margin: .3em 0 .6em; }
.swatch { display: inline-block; width: 1.1em; height: .9em; border: 1px solid #555; border-radius: 3px;
          vertical-align: middle; margin-right: .3em; }
.swatch.outline { background: #fff; border: 3px solid %(current)s; }
.view { overflow: auto; border: 1px solid #ccc; max-height: 78vh; cursor: grab; touch-action: none; }
.view svg { display: block; }
%(status_css)s
g.value.current > path, g.value.current > polygon { stroke: %(current)s; stroke-width: 3; }
g.hot > path, g.hot > ellipse { stroke: %(current)s; stroke-width: 2; }
g.hot > polygon { stroke: %(current)s; fill: %(current)s; }
g.hot > text { fill: %(current)s; }
g.st-waiting > text, g.st-unreached > text { fill: #777; }
g.labelled > text:first-of-type { font-weight: bold; }
"""


def page(pictures: StepPictures, title: str = "The forward and backward passes, step by step") -> str:
    """The HTML of a self-contained steps page for pictures."""
    from autograd_tiny.stepping import STATUS_COLOURS

    status_css = "\n".join(
        f"g.st-{s} > path, g.st-{s} > polygon {{ fill: {colour}; }}" for s, colour in STATUS_COLOURS.items()
    )
    style = _STYLE % {"current": "#d62728", "status_css": status_css}
    data: dict[str, Any] = pictures.page_data()
    phases = [s["phase"] for s in data["steps"]]
    data.update(
        fontSize=FONT_SIZE,
        minTextPx=MIN_TEXT_PX,
        phaseStart={p: (phases.index(p) if p in phases else None) for p in ("forward", "backward")},
    )
    items = "".join(
        f'<li><span class="swatch{" outline" if name == "red outline" else ""}" '
        f'style="background:{colour if name != "red outline" else "#fff"}"></span>'
        f"{html.escape(name)}: {html.escape(meaning)}</li>"
        for colour, name, meaning in legend(pictures.statuses)
    )
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    script = files("autograd_tiny").joinpath("steps_page.js").read_text(encoding="utf-8")
    last = len(data["steps"]) - 1
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)}</title>
<style>{style}</style></head>
<body>
<h1 style="font-size:1.2em;margin:0 0 .4em">{html.escape(title)}</h1>
<div class="bar" role="toolbar" aria-label="step through the passes">
<button id="first" title="first step (Home)" aria-label="first step">|&#x25C0;</button>
<button id="prev" title="previous step (left arrow)">&#x25C0; previous</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="step">
<button id="next" title="next step (right arrow)">next &#x25B6;</button>
<button id="last" title="last step (End)" aria-label="last step">&#x25B6;|</button>
<button id="play" aria-pressed="false">&#x25B6; play</button>
<label>speed <select id="speed"><option value="2000">slow</option>
<option value="1000" selected>normal</option><option value="400">fast</option></select></label>
<button id="forward-start">forward pass</button><button id="backward-start">backward pass</button>
<span role="group" aria-label="zoom"><button id="zoom-out" aria-label="zoom out">&#x2212;</button>
<button id="zoom-fit" title="fit the whole graph to the width">fit</button>
<button id="zoom-in" aria-label="zoom in">+</button></span>
</div>
<p id="title" class="title"></p>
<p id="description" class="description" aria-live="polite"></p>
<ul class="legend" aria-label="legend">{items}</ul>
<p style="font-size:.85em;color:#555;margin:.2em 0">Keys: &#x2190; &#x2192; one step,
Home / End the first / last; wheel to zoom, drag to pan.</p>
<div id="view" class="view">{pictures.page_svg()}</div>
<script id="steps-data" type="application/json">{payload}</script>
<script>{script}</script>
</body></html>
"""
