"""`ClickablePicture`: the playground's SVG in Jupyter, telling Python which weight or bias was clicked.

ipywidgets' HTML widget shows a picture but cannot report a click; this anywidget shows the same
SVG (`picture`) and sets ``clicked`` to the ``data-param`` of the edge or unit clicked, so the
learner clicks a weight in the notebook as on the web page.
"""

from __future__ import annotations

import anywidget
import traitlets

SHOW_AND_REPORT_CLICKS = """
function render({ model, el }) {
  const draw = () => { el.innerHTML = model.get("svg"); };
  el.addEventListener("click", (event) => {
    const param = event.target.closest("[data-param]")?.dataset.param;
    if (param) { model.set("clicked", param); model.save_changes(); }
  });
  model.on("change:svg", draw);
  draw();
}
export default { render };
"""


class ClickablePicture(anywidget.AnyWidget):
    """``svg``: the picture shown; ``clicked``: the parameter name last clicked ("" once handled)."""

    _esm = SHOW_AND_REPORT_CLICKS
    svg = traitlets.Unicode("").tag(sync=True)
    clicked = traitlets.Unicode("").tag(sync=True)
