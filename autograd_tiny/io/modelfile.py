"""Model files: JSON with a format tag, its version, the architecture and the parameters by name.

Writing is atomic and follows symbolic links, keeping the target's permissions. Reading refuses
anything `write_model_file` would not have written (bad JSON, duplicate keys, deep nesting, a file
larger than the model can need, a wrong or mistyped version) with a ValueError saying what is wrong.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograd_tiny.checks import brief, is_whole

FORMAT = "autograd_tiny.model"
FORMAT_VERSION = 1
KEYS = ("format", "format_version", "architecture", "parameters")


def size_limit(architecture: dict[str, Any], names: list[str]) -> int:
    """The largest file worth reading for a model: 1 MiB plus 16 times what a save of it writes.

    A saved parameter takes its quoted name and at most about 30 more bytes; the margin leaves
    room for hand-edited files (other indentation, longer numbers) while refusing a huge file
    before it is read.
    """
    saved = len(json.dumps(architecture)) + sum(len(json.dumps(name)) + 32 for name in names)
    return (1 << 20) + 16 * saved


def write_model_file(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    """Write ``document`` as JSON to ``path`` atomically (see `write_atomically`)."""
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    write_atomically(path, text.encode("utf-8"), "save")


def write_atomically(path: str | os.PathLike[str], content: bytes, what: str) -> None:
    """Write ``content`` to ``path`` atomically: a temporary file beside it, then one os.replace.

    The temporary file has a short name of its own (`temporary_name`), so any name the file
    system takes can be written; it is removed if anything fails before the replace.

    A symbolic link is followed: the file it points to is replaced and the link stays. An
    existing file keeps its permission bits; a new one gets the usual ones (0o666 less umask).
    Errors name ``what`` (the operation writing).
    """
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath gives up on a loop of links
        raise OSError(errno.ELOOP, f"{what}: {str(path)!r} is a loop of symbolic links", str(path))
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{what}: directory {str(target.parent)!r} does not exist")
    if target.is_dir():
        raise IsADirectoryError(f"{what}: {str(path)!r} is a directory")
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    tmp = target.with_name(temporary_name(target.name))
    try:
        with open(tmp, "xb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


TEMPORARY_NAME_BYTES = 64  # at most this long, well under any file system's limit on a name (255 bytes)


def temporary_name(name: str) -> str:
    """A fresh name for a temporary file beside ``name``: hidden, ending .tmp, at most 64 bytes long.

    It starts with up to 32 bytes of ``name`` (cut at a character boundary) so a person can tell
    whose it is; the rest is the process id and 12 random hex digits, so two writers never collide.
    The final name may be as long as the file system allows: the temporary one never adds to it.
    """
    head = os.fsencode(name)[:32].decode("utf-8", "ignore")
    while len(os.fsencode(head)) > 32:  # a name the file system encodes otherwise than UTF-8
        head = head[:-1]
    return f".{head}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"


def read_model_file(path: str | os.PathLike[str], max_bytes: int) -> dict[str, Any]:
    """The parsed model file, its four keys checked; ``architecture`` and ``parameters`` are dicts.

    FileNotFoundError (or another OSError) when it cannot be read; ValueError naming the
    problem when it is not a model file: not a regular file (a pipe, a device), larger than
    ``max_bytes``, not UTF-8 (a BOM is fine), not JSON, a key twice in one object, nested too
    deeply, a wrong format or version.
    """
    where = f"load: {str(path)!r}"
    try:
        kind = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such model file: {str(path)!r}") from None
    if stat.S_ISDIR(kind):
        raise IsADirectoryError(f"load: {str(path)!r} is a directory")
    if not stat.S_ISREG(kind):  # a pipe would block, a device may never end
        raise ValueError(f"{where} is not a regular file")
    with open(path, "rb") as f:
        raw = f.read(max_bytes + 1)  # never more, whatever the size said a moment ago
    if len(raw) > max_bytes:
        raise ValueError(f"{where} is larger than {max_bytes} bytes, more than a file of this model can need")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{where} is not a model file (not UTF-8 text: {e.reason})") from None
    try:
        document = json.loads(text, object_pairs_hook=_object_without_repeats)
    except json.JSONDecodeError as e:
        raise ValueError(f"{where} is not a model file (corrupt or truncated: {e})") from None
    except RecursionError:
        raise ValueError(f"{where} is not a model file (JSON nested too deeply)") from None
    except ValueError as e:  # a repeated key, or an integer of more digits than Python converts
        raise ValueError(f"{where} is not a model file ({e})") from None
    _check_document(document, where)
    return document  # type: ignore[no-any-return]  # _check_document saw a dict


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (plain json keeps the last silently)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"the key {brief(key)} appears twice in one object")
        obj[key] = value
    return obj


def _check_document(document: object, where: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{where} is not an autograd_tiny model file (no format {FORMAT!r})")
    if "format_version" not in document:
        raise ValueError(f"{where} lacks a format_version")
    version = document["format_version"]
    if not is_whole(version):
        raise ValueError(
            f"{where}: format_version must be an integer, got {type(version).__name__}: {brief(version)}"
        )
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{where} has format_version {version}; this autograd_tiny reads version {FORMAT_VERSION}"
        )
    unexpected = [key for key in document if key not in KEYS]
    if unexpected:
        holds = ", ".join(KEYS)
        raise ValueError(f"{where}: unexpected key {brief(unexpected[0])}; a model file holds {holds}")
    for key in ("architecture", "parameters"):
        if not isinstance(document.get(key), dict):
            got = type(document[key]).__name__ if key in document else "nothing"
            raise ValueError(f"{where}: {key!r} must be a JSON object, got {got}")


def name_differences(expected: Iterable[str], given: Iterable[object]) -> tuple[list[str], list[object]]:
    """The ``expected`` names that ``given`` lacks, and the names it holds beyond them, each in its order."""
    wanted, found = list(expected), list(given)
    known, present = set(wanted), set(found)
    return [name for name in wanted if name not in present], [name for name in found if name not in known]


def first_difference(found: object, expected: object, where: str) -> str | None:
    """Where ``found`` (from a file) first differs from ``expected`` (plain JSON data), or None.

    Strict: a bool is not an int and 1.0 is not 1, so ``[3, true]`` does not pass for ``[3, 1]``.
    Walks only as deep as ``expected``, so however deep ``found`` is nested costs nothing.
    """
    if isinstance(expected, dict):
        if not isinstance(found, dict):
            return f"{where} is {_kind(found)}, expected an object"
        for key in expected:
            if key not in found:
                return f"{where} lacks {key!r}"
        for key in found:
            if key not in expected:
                return f"{where} has an unexpected key {brief(key)}"
        parts = [(found[key], value, f"{where}.{key}") for key, value in expected.items()]
    elif isinstance(expected, list):
        if not isinstance(found, list) or len(found) != len(expected):
            return f"{where} is {_kind(found)}, this model has {brief(expected)}"
        parts = [(found[i], value, f"{where}[{i}]") for i, value in enumerate(expected)]
    else:
        same = type(found) is type(expected) and found == expected
        return None if same else f"{where} is {_kind(found)}, this model has {brief(expected)}"
    return next((d for f, e, w in parts if (d := first_difference(f, e, w)) is not None), None)


def _kind(value: object) -> str:
    return f"{brief(value)} ({type(value).__name__})"


def describe(architecture: dict[str, Any]) -> str:
    """A one-line summary such as ``MLP(nin=2, nouts=[16, 1], ...)``, short whatever the dict holds."""
    items = [(k, v) for k, v in architecture.items() if k != "type"]
    shown = [f"{_name(k)}={brief(v)}" for k, v in items[:8]]
    more = ", ..." if len(items) > 8 else ""
    return f"{_name(architecture.get('type', 'model'))}({', '.join(shown)}{more})"


def _name(key: object) -> str:
    """A key or type name as it is when short text, else abbreviated."""
    return key if isinstance(key, str) and len(key) <= 40 else brief(key)
