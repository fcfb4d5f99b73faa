"""Numbers as colours and a grid of them as a small PNG image, with the standard library only.

Negative is orange, zero white, positive blue (TensorFlow Playground's colours): class 0 is the
target -1, class 1 the target +1. The PNG (indexed colours) is written by hand (zlib and a CRC, as the
format asks) so that the picture needs no imaging package in the browser either.
"""

from __future__ import annotations

import base64
import struct
import zlib

RGB = tuple[int, int, int]
NEGATIVE: RGB = (245, 147, 34)
ZERO: RGB = (255, 255, 255)
POSITIVE: RGB = (8, 119, 189)


def colour(value: float) -> RGB:
    """The colour of ``value`` clamped to [-1, 1]: white at 0, orange at -1, blue at +1 (nan: grey)."""
    if value != value:
        return (128, 128, 128)
    t = max(-1.0, min(1.0, value))
    end = POSITIVE if t > 0 else NEGATIVE
    return (round(ZERO[0] + (end[0] - ZERO[0]) * abs(t)), round(ZERO[1] + (end[1] - ZERO[1]) * abs(t)),
            round(ZERO[2] + (end[2] - ZERO[2]) * abs(t)))  # fmt: skip


def css(rgb: RGB) -> str:
    """``#rrggbb`` for an SVG or CSS colour."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


LEVELS = 100  # shades on each side of white: a value is drawn at the nearest of 2 * LEVELS + 1 colours
PALETTE = [colour(k / LEVELS) for k in range(-LEVELS, LEVELS + 1)] + [colour(float("nan"))]


def shade(value: float) -> int:
    """The index in PALETTE of ``value``'s colour: the nearest level in [-1, 1], nan the last entry."""
    if value != value:
        return len(PALETTE) - 1
    return round(max(-1.0, min(1.0, value)) * LEVELS) + LEVELS


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(values: list[float], size: int) -> bytes:
    """A ``size x size`` PNG of ``values`` (row by row, top row first), each pixel its value's shade."""
    if len(values) != size * size:
        raise ValueError(f"png: {size} x {size} pixels need {size * size} values, got {len(values)}")
    pixels = bytes(map(shade, values))
    rows = b"".join(b"\x00" + pixels[r * size:(r + 1) * size] for r in range(size))  # filter 0: none
    header = struct.pack(">IIBBBBB", size, size, 8, 3, 0, 0, 0)  # 8 bits per pixel, indexed colours
    palette = bytes(channel for rgb in PALETTE for channel in rgb)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", palette)
            + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))


def png_uri(values: list[float], size: int) -> str:
    """The PNG as a ``data:`` URI, for an SVG ``<image href=...>``."""
    return "data:image/png;base64," + base64.b64encode(png(values, size)).decode("ascii")
