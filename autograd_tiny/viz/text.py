"""How pictures write what they show: numbers, text escaped for Graphviz, colours and the typeface.

Every picture formats through here, so a number or a label reads the same in a box, on an arrow
and in a sentence, whichever picture shows it.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

FONT = "Helvetica"  # the typeface of every picture

# ---- numbers -------------------------------------------------------------------------------------


def fixed(x: float) -> str:
    """A number in a box: always 4 decimals (draw_dot and the step pictures)."""
    return f"{x:.4f}"


def short(x: float) -> str:
    """A number for arithmetic on the picture: at most 4 decimals, no trailing zeros (1, -1.5, 0.4757)."""
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) < 1e-4 or abs(x) >= 1e6):
        return f"{x:.3e}"
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def operand(x: float) -> str:
    """A number as the right-hand operand of + or times: negative ones in parentheses, 1 + (-0.7136)."""
    text = short(x)
    return f"({text})" if text.startswith("-") else text


# ---- text, shown verbatim whatever it holds ------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def visible(text: str) -> str:
    """text with each control character written as ``\\xNN`` and tabs as spaces (newlines kept)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\t", " ")


def dot_text(text: str) -> str:
    """text for inside a DOT string, shown verbatim (backslashes, quotes; newlines become spaces)."""
    return visible(text).replace("\n", " ").replace("\\", "\\\\").replace('"', '\\"')


def quote(text: str) -> str:
    """A DOT string literal showing text verbatim."""
    return f'"{dot_text(text)}"'


def lines_label(lines: Sequence[str]) -> str:
    """A DOT label of several centred lines, each shown verbatim."""
    return "\\n".join(map(dot_text, lines))


def html_label(text: str) -> str:
    """text for an HTML-like DOT label, shown verbatim (<, &, quotes, braces; newlines break the line)."""
    return html.escape(visible(text), quote=True).replace("\n", "<BR/>")


# ---- colours -------------------------------------------------------------------------------------

RGB = tuple[int, int, int]


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` colour."""
    channels = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two ``#rrggbb`` colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on fill: at least 4.5:1 (WCAG AA) on any fill."""
    return "#000000" if contrast("#000000", fill) >= contrast("#ffffff", fill) else "#ffffff"


def blend(start: RGB, end: RGB, t: float) -> str:
    """The colour a fraction t (0 to 1) of the way from start to end, as ``#rrggbb``."""
    r, g, b = (round(s + (e - s) * t) for s, e in zip(start, end))
    return f"#{r:02x}{g:02x}{b:02x}"
