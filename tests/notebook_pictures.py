"""The stored notebooks' picture outputs, and how large their text is at a given displayed width.

One place for what both checks need: tests/test_viz.py (offline, from the stored files, with an assumed
848 px column) and tests/test_notebooks_in_jupyterlab.py (the widths measured in a real JupyterLab).
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]*.ipynb"))
COLUMN_PX = 848  # JupyterLab's output column at 1280x800 with the file browser open
MIN_TEXT_PX = 12
SVG_NS = "{http://www.w3.org/2000/svg}"
PLOT_TEXT_KEY = "smallest_text_px"  # autograd_tiny.teaching.plot_text.METADATA_KEY


@dataclass(frozen=True)
class Picture:
    """A stored picture output: a graph (an SVG, maybe with its PNG beside it) or a plot (a raster)."""

    notebook: Path
    cell: int
    output: int  # its place among the cell's outputs
    data: dict[str, Any]
    metadata: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.notebook.stem}-cell{self.cell}" + (f".{self.output}" if self.output else "")

    @property
    def svg(self) -> ET.Element | None:
        return ET.fromstring("".join(self.data["image/svg+xml"])) if "image/svg+xml" in self.data else None

    @property
    def raster(self) -> tuple[str, bytes]:
        """The kind and bytes of the picture's raster (its PNG, or a plot's PNG or GIF)."""
        kinds = [m for m in self.data if m.startswith("image/") and m != "image/svg+xml"]
        kind = "image/png" if "image/png" in kinds else kinds[0]
        return kind, base64.b64decode("".join(self.data[kind]))

    def natural_px(self) -> float:
        """The width the picture asks for, in CSS px: an SVG's width (or its max-width), else the raster's."""
        svg = self.svg
        if svg is not None:
            sizes = [svg.get("width", ""), *re.findall(r"max-width:\s*([\d.]+\w*)", svg.get("style") or "")]
            for size in sizes:
                if m := re.fullmatch(r"([\d.]+)(px|pt)?", size.strip()):
                    return float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1)
            return _viewbox_width(svg) * 4 / 3
        kind, raster = self.raster
        if kind == "image/gif":
            return int.from_bytes(raster[6:8], "little")
        return int.from_bytes(raster[16:20], "big")

    def smallest_text_px(self, shown_px: float) -> float | None:
        """The smallest text's size in CSS px when the picture is shown shown_px wide; None if not recorded.

        A graph's SVG gives the font sizes in its own units and its width in them (the viewBox); its PNG is
        drawn at the same size, so the same holds whichever of the two is shown. A plot's raster holds no
        font sizes: notebooks/build.py stores its smallest text, in the raster's pixels, in the output's
        metadata (autograd_tiny.teaching.plot_text).
        """
        svg = self.svg
        if svg is None:
            kind, _ = self.raster
            recorded = self.metadata.get(kind, {}).get(PLOT_TEXT_KEY)
            return None if recorded is None else float(recorded) * shown_px / self.natural_px()
        texts = [t for t in svg.iter(f"{SVG_NS}text") if "".join(t.itertext()).strip()]
        fonts = [float(t.get("font-size", 14)) for t in texts]
        return min(fonts) * shown_px / _viewbox_width(svg)


def _viewbox_width(svg: ET.Element) -> float:
    return float(svg.get("viewBox", "").replace(",", " ").split()[2])


def pictures(notebook: Path) -> list[Picture]:
    """Every stored output of the notebook that is a picture, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [Picture(notebook, k, j, out["data"], out.get("metadata", {})) for k, cell in enumerate(cells)
            for j, out in enumerate(cell.get("outputs", ()))
            if any(m.startswith("image/") for m in out.get("data", {}))]  # fmt: skip


def as_params(items: list[Any]) -> list[Any]:
    """items as pytest params named by their ids (a Picture's id, a notebook's stem)."""
    return [pytest.param(item, id=getattr(item, "id", None) or item.stem) for item in items]
