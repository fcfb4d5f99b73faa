"""A picture the package draws as SVG itself (not through Graphviz), as a notebook shows it.

Imports nothing beyond the standard library until a PNG is asked for: the playground's page runs
this in the browser (Pyodide), where neither cairosvg nor Pillow is.

JupyterLab shows an SVG output only in a notebook it trusts (one run on this machine), so a
stored notebook opened from a clone would show nothing: a PNG goes beside the SVG, as for graphs.
"""

from __future__ import annotations

import base64
import io
from typing import Any, cast


def png_of(svg: str) -> bytes | None:
    """svg rasterised by cairosvg (the ``notebooks`` extra); None where it or its cairo library is missing.

    On white, in 256 colours (Pillow's quantizer): a third of the bytes, so a notebook stays small.
    """
    try:
        import cairosvg  # type: ignore[import-untyped]
        from PIL import Image
    except (ImportError, OSError):  # OSError: the package is there but libcairo is not
        return None
    full = cast(bytes, cairosvg.svg2png(bytestring=svg.encode("utf-8"), background_color="white"))
    with Image.open(io.BytesIO(full)) as image:
        smaller = io.BytesIO()
        image.convert("RGB").quantize(256).save(smaller, "PNG", optimize=True)
    return smaller.getvalue()


class SvgPicture:
    """SVG text that a notebook displays as itself, with the same picture as PNG beside it."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def __repr__(self) -> str:
        return f"<autograd_tiny.viz.SvgPicture: {len(self.svg):,} characters of SVG>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
        bundle = {"image/svg+xml": self.svg}
        png = png_of(self.svg)
        if png is not None:
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle
