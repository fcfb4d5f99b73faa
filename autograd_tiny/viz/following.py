"""A notebook widget's picture that scrolls its box to the step's elements each time it is shown.

An ipywidgets ``HTML`` sets its value as the element's inner HTML, where a ``<script>`` never runs
but an element's ``onload`` handler does: a one-pixel image after the picture calls `followStep`
(follow.js, the step page's own) on the box around it, for the SVG elements of class ``current``.
"""

from __future__ import annotations

import html
from importlib.resources import files

_FOLLOW_JS = files("autograd_tiny.viz").joinpath("follow.js").read_text(encoding="utf-8")
_PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="


def following(picture: str, view_class: str) -> str:
    """picture (HTML with one SVG) that, once shown, scrolls its ancestor of class view_class to the step."""
    call = (f"followStep(this.closest('.{view_class}'), Array.from(this.parentNode.querySelectorAll("
            "'svg .current')), !matchMedia('(prefers-reduced-motion: reduce)').matches);")  # fmt: skip
    handler = html.escape(_FOLLOW_JS + call, quote=True)
    pixel = f'<img alt="" src="{_PIXEL}" width="1" height="1" style="position:absolute;opacity:0"'
    return f'{picture}{pixel} onload="{handler}">'
