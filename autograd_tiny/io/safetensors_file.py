"""Read and write safetensors files with the standard library (F64 and F32 tensors).

The format, as the `safetensors` package defines it: 8 bytes holding the header's length as an
unsigned little-endian integer, the header (JSON: for each tensor its ``dtype``, ``shape`` and
``data_offsets`` [begin, end) into the data, plus an optional ``__metadata__`` of strings), then the
data, every tensor's numbers little-endian in row-major order, with no gaps. PyTorch, JAX and
NumPy load such files through that package.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_tiny.io.modelfile import write_atomically

DTYPES = {"F64": "d", "F32": "f"}  # safetensors dtype -> struct format character
MAX_HEADER_BYTES = 100_000_000  # the safetensors package's own limit


@dataclass(frozen=True)
class Tensor:
    """An array as the file holds it: its dtype, its shape and its numbers flat, row by row."""

    dtype: str
    shape: tuple[int, ...]
    values: list[float]


def write_safetensors(
    path: str | os.PathLike[str], tensors: Mapping[str, Tensor], metadata: Mapping[str, str] | None = None
) -> None:
    """Write ``tensors`` to ``path`` atomically (a temporary file, then one rename).

    Raises ValueError for an unknown dtype, values that do not fill the shape, or a number
    too large for F32, before anything is written.
    """
    header: dict[str, Any] = {"__metadata__": dict(metadata)} if metadata else {}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        chunk = _pack(name, tensor)
        header[name] = {
            "dtype": tensor.dtype,
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(chunk)],
        }
        chunks.append(chunk)
        offset += len(chunk)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad with spaces, as the package does, so the data is aligned
    write_atomically(path, struct.pack("<Q", len(text)) + text + b"".join(chunks), "write_safetensors")


def read_safetensors(path: str | os.PathLike[str]) -> dict[str, Tensor]:
    """Every tensor in the file at ``path``, by name, in the file's order.

    FileNotFoundError when there is no file; ValueError naming the problem when it is not a
    well-formed safetensors file of F64/F32 tensors (truncated, bad header, gaps, other dtypes).
    """
    blob = Path(path).read_bytes()
    try:
        return parse_safetensors(blob)
    except ValueError as e:
        raise ValueError(f"read_safetensors: {str(path)!r} is not a readable safetensors file: {e}") from None


def parse_safetensors(blob: bytes) -> dict[str, Tensor]:
    """The tensors in the bytes of a safetensors file; ValueError naming the first problem."""
    if len(blob) < 8:
        raise ValueError(f"{len(blob)} bytes is too short for a safetensors file (8 bytes of header length)")
    (size,) = struct.unpack_from("<Q", blob)
    if size > min(len(blob) - 8, MAX_HEADER_BYTES):
        raise ValueError(f"the header length {size} is larger than the {len(blob) - 8} bytes after it")
    try:
        header = json.loads(blob[8 : 8 + size].decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"the header is not JSON text: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"the header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"__metadata__ must map strings to strings, got {metadata!r}")
    data = blob[8 + size :]
    entries = {name: _entry(name, spec) for name, spec in header.items()}
    _check_no_gaps(entries, len(data))
    tensors = {}
    for name, (dtype, shape, begin, _) in entries.items():
        values = struct.unpack_from(f"<{math.prod(shape)}{DTYPES[dtype]}", data, begin)
        tensors[name] = Tensor(dtype, shape, list(values))
    return tensors


def _pack(name: str, tensor: Tensor) -> bytes:
    if tensor.dtype not in DTYPES:
        raise ValueError(f"tensor {name!r}: dtype must be one of {', '.join(DTYPES)}, got {tensor.dtype!r}")
    if len(tensor.values) != math.prod(tensor.shape):
        raise ValueError(
            f"tensor {name!r}: shape {tensor.shape} needs {math.prod(tensor.shape)} values, "
            f"got {len(tensor.values)}"
        )
    try:
        return struct.pack(f"<{len(tensor.values)}{DTYPES[tensor.dtype]}", *tensor.values)
    except (OverflowError, struct.error) as e:
        raise ValueError(f"tensor {name!r}: a value does not fit {tensor.dtype}: {e}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"the header names {repeated} more than once")
    return dict(pairs)


def _entry(name: str, spec: object) -> tuple[str, tuple[int, ...], int, int]:
    """(dtype, shape, begin, end) of one header entry, after checking it is complete and consistent."""
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"tensor {name!r}: expected dtype, shape and data_offsets, got {spec!r}")
    dtype, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    if dtype not in DTYPES:
        raise ValueError(f"tensor {name!r} has dtype {dtype!r}; this reader handles {' and '.join(DTYPES)}")
    if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
        raise ValueError(f"tensor {name!r}: shape must be a list of sizes >= 0, got {shape!r}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(n) for n in offsets)):
        raise ValueError(f"tensor {name!r}: data_offsets must be [begin, end], got {offsets!r}")
    begin, end = offsets
    expected = math.prod(shape) * struct.calcsize(DTYPES[dtype])
    if end - begin != expected:
        raise ValueError(
            f"tensor {name!r}: data_offsets {offsets} span {end - begin} bytes, "
            f"but {dtype} of shape {shape} takes {expected}"
        )
    return dtype, tuple(shape), begin, end


def _check_no_gaps(entries: dict[str, tuple[str, tuple[int, ...], int, int]], data_bytes: int) -> None:
    """The tensors must tile the data exactly: no gap, no overlap, nothing past the end."""
    position = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda item: (item[1][2], item[1][3])):
        if begin != position:
            problem = "overlaps the one before" if begin < position else f"leaves a gap at byte {position}"
            raise ValueError(f"tensor {name!r} starts at byte {begin} and {problem}")
        position = end
    if position != data_bytes:
        raise ValueError(
            f"the tensors take {position} bytes of data, the file holds {data_bytes} (truncated?)"
        )


def _is_count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


