"""Animated GIFs of step pictures, for readers without a kernel or a script (a notebook on a code host).

Each frame is drawn by Graphviz at the positions of one layout (`autograd_tiny.viz.layout`), so
nothing jumps; Pillow (the ``viz`` extra) joins the frames into one looping GIF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from autograd_tiny.viz.graphviz_io import PinnedGraph, dot_required


def write_gif(frames: Sequence[PinnedGraph], path: Path, frame_ms: int) -> Path:
    """Render each frame to PNG, join them into a looping GIF at path (frame_ms per frame), return path.

    The frames should share one layout (`StepPictures.frame`), so only colours and texts change.
    """
    try:
        from PIL import Image
    except ModuleNotFoundError as err:
        raise ImportError("write_steps(format='gif') needs Pillow: pip install 'autograd_tiny[viz]'") from err
    with dot_required("write_steps"):
        images = [Image.open(io.BytesIO(frame.pipe(format="png"))).convert("RGB") for frame in frames]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    paletted = []
    for im in images:  # frames differ only in their title's width: pad them to one size
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, ((width - im.width) // 2, 0))
        paletted.append(canvas.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
    durations = [frame_ms] * len(paletted)
    durations[-1] = frame_ms * 3  # rest on the result before looping
    paletted[0].save(path, save_all=True, append_images=paletted[1:], duration=durations, loop=0,
                     optimize=True, disposal=1)  # fmt: skip
    return path
