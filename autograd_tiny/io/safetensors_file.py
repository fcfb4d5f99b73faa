"""Read and write safetensors files with the standard library (F64 and F32 tensors).

The format, as the `safetensors` package defines it: 8 bytes holding the header's length as an
unsigned little-endian integer, the header (JSON: for each tensor its ``dtype``, ``shape`` and
``data_offsets`` [begin, end) into the data, plus an optional ``__metadata__`` of strings), then the
data, every tensor's numbers little-endian in row-major order, with no gaps. PyTorch, JAX and
NumPy load such files through that package.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from autograd_tiny.checks import brief
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

    FileNotFoundError when there is no file (IsADirectoryError for a directory); ValueError
    naming the problem when it is not a well-formed safetensors file of F64/F32 tensors: not a
    regular file (a pipe would wait for a writer, a device may never end), truncated or longer
    than its header says, a bad header (not JSON, nested too deeply, longer than MAX_HEADER_BYTES),
    gaps, other dtypes. Only as many bytes are read as the header describes, once the file's size
    agrees with it, so a huge file costs no more than a small one.
    """
    where = f"read_safetensors: {str(path)!r}"
    try:
        kind = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "read_safetensors: no such file", str(path)) from None
    if stat.S_ISDIR(kind):
        raise IsADirectoryError(errno.EISDIR, "read_safetensors: a directory, not a file", str(path))
    if not stat.S_ISREG(kind):  # checked before opening: opening a pipe waits for a writer
        raise ValueError(f"{where} is not a regular file")
    # Not blocking and not taking a terminal, should it have become a pipe or a device meanwhile.
    flags = os.O_RDONLY
    for name in ("O_NONBLOCK", "O_NOCTTY", "O_BINARY"):  # those this system has
        flags |= getattr(os, name, 0)
    with os.fdopen(os.open(path, flags), "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{where} is not a regular file")
        try:
            return _read(f, info.st_size)
        except ValueError as e:
            raise ValueError(f"{where} is not a readable safetensors file: {e}") from None


def parse_safetensors(blob: bytes) -> dict[str, Tensor]:
    """The tensors in the bytes of a safetensors file; ValueError naming the first problem."""
    return _read(io.BytesIO(blob), len(blob))


def _read(f: BinaryIO, file_size: int) -> dict[str, Tensor]:
    """The tensors in a safetensors file open as ``f``, of ``file_size`` bytes; ValueError naming the problem.

    Reads the 8 bytes of header length, the header, then exactly the data the header describes
    (and one byte more, to notice a longer file): never more than the file's size says is there.
    """
    head = f.read(8)
    if len(head) < 8:
        raise ValueError(f"{len(head)} bytes is too short for a safetensors file (8 bytes of header length)")
    (size,) = struct.unpack("<Q", head)
    if size > file_size - 8:
        after = max(file_size - 8, 0)
        raise ValueError(f"the header length {size} is larger than the {after} bytes after it")
    if size > MAX_HEADER_BYTES:
        raise ValueError(f"the header length {size} is larger than the limit of {MAX_HEADER_BYTES} bytes")
    text = f.read(size)
    if len(text) < size:  # the file shrank since its size was taken
        raise ValueError(f"the header length {size} is larger than the {len(text)} bytes after it")
    entries = _header_entries(text)
    needed = max((end for _, _, _, end in entries.values()), default=0)
    available = file_size - 8 - size
    if needed > available:  # refused before reading: the header may claim more than memory can hold
        _check_no_gaps(entries, available)  # names a gap, an overlap or the truncation
        raise ValueError(f"the tensors take {needed} bytes of data, the file holds {available} (truncated?)")
    try:
        data = f.read(needed + 1)  # one byte more than needed tells a longer file, without reading it all
        _check_no_gaps(entries, available if len(data) > needed else len(data))
        tensors = {}
        for name, (dtype, shape, begin, _) in entries.items():
            values = struct.unpack_from(f"<{math.prod(shape)}{DTYPES[dtype]}", data, begin)
            tensors[name] = Tensor(dtype, shape, list(values))
    except MemoryError:  # the allocation failed whole, before anything else was touched
        raise ValueError(f"the tensors take {needed} bytes of data, more than this process can hold"
                         ) from None  # fmt: skip
    return tensors


def _header_entries(text: bytes) -> dict[str, tuple[str, tuple[int, ...], int, int]]:
    """Each tensor's (dtype, shape, begin, end) from the header's bytes; ValueError naming a problem."""
    try:
        header = json.loads(text.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"the header is not JSON text: {e}") from None
    except RecursionError:
        raise ValueError("the header is nested too deeply to be a safetensors header") from None
    if not isinstance(header, dict):
        raise ValueError(f"the header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"__metadata__ must map strings to strings, got {brief(metadata)}")
    return {name: _entry(name, spec) for name, spec in header.items()}


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
    obj = dict(pairs)
    if len(obj) < len(pairs):  # counted, not searched name by name: a header of many names stays quick
        repeated = sorted(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
        raise ValueError(f"the header names {brief(repeated)} more than once")
    return obj


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
        why = "truncated?" if position > data_bytes else "extra bytes at the end"
        raise ValueError(f"the tensors take {position} bytes of data, the file holds {data_bytes} ({why})")


def _is_count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


