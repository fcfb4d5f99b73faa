"""`compile_replay`: compile one sample's graph once, then replay it over every row of the data.

Training evaluates the same graph for every sample with different leaf values. Recording it
once per sample costs a Value per operation; compiling the whole dataset's graph costs a long
``compile()``. `compile_replay` compiles ONE sample's graph (code generated from `RULES` by
`autograd_tiny.compile.graph_code`, as `compile_graph` does) and loops over the rows inside the
generated function. Each call returns every row's output and the gradient of their sum with
respect to the inputs, added up in the order of `Value.backward()` on a graph that adds the
samples in order: the last row's contributions first, each straight into the running total.
So the numbers equal eager's to the last bit. Where a row's gradient is zero (a relu that is off,
a hinge already met), the lines passing it on are skipped, where that changes no bit
(`skip_zero_gradients`).

`SampleReplay.batched` runs the graph on NumPy arrays holding every row at once, each layer of
neurons as matrix products and every other node as its generated line
(`autograd_tiny.compile.batched`; `batched_source()` shows the code); its results agree with
the per-sample replay to about 1e-12 relative (matrix products and NumPy add in their own order).

As with `compile_graph`, the graph's shape must not depend on the data: decisions written as
operations (relu, abs) are taken per row; a Python ``if x.data > 0:`` was taken once, when
recording, and stays taken for every row.
"""

from __future__ import annotations

import importlib
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

from autograd_tiny.checks import all_floats, is_list, is_real
from autograd_tiny.compile.graph import GraphCode, Vanishing, graph_code
from autograd_tiny.engine import Value, backward_order


def _float_rows(rows: Sequence[object], width: int) -> bool:
    """Every row a list or tuple of ``width`` plain floats (else each row is checked with its message)."""
    return all(type(row) in (list, tuple) and len(row) == width and all_floats(row) for row in rows)  # type: ignore[arg-type]


_VALUE = re.compile(r"\bv(\d+)\b")  # a node's value variable in a generated line
MAX_NESTING = 8  # values written into one another at most this deep (a long chain would be too deep to parse)


def _written_in(inner: dict[int, tuple[str, int]], name: re.Match[str]) -> str:
    """A value's name, or its expression in parentheses if it is one of ``inner``'s."""
    n = int(name[1])
    return f"({inner[n][0]})" if n in inner else name[0]


def inline_single_reads(forward: list[tuple[int, str]], others: Sequence[str]) -> list[str]:
    """``forward``'s lines with each value that one later line of them alone reads written into that line.

    ``v8 = v6 * v7`` read only by ``v12 = v5 + v8`` becomes ``v12 = v5 + (v6 * v7)``: the same
    operations in the same order (so the same numbers), one variable stored and loaded fewer per
    row. ``others`` are the lines that may read values besides ``forward`` (backward, outputs).
    A chain of such values is written into one line at most MAX_NESTING deep.
    """
    rhs = {i: line.split(" = ", 1)[1] for i, line in forward}
    reads = Counter(int(n) for text in [*rhs.values(), *others] for n in _VALUE.findall(text))
    read_here = {int(n) for text in rhs.values() for n in _VALUE.findall(text)}
    folded = {n for n in read_here if reads[n] == 1 and n in rhs}  # its one reader is a line after it
    expression: dict[int, tuple[str, int]] = {}  # a folded value -> its expression, how deep it nests
    lines = []
    for i, _ in forward:
        inner = {n: expression.pop(n) for n in map(int, _VALUE.findall(rhs[i])) if n in expression}
        text = _VALUE.sub(partial(_written_in, inner), rhs[i])
        depth = 1 + max((d for _, d in inner.values()), default=0)
        if i in folded and depth <= MAX_NESTING:
            expression[i] = (text, depth)
        else:
            lines.append(f"v{i} = {text}")
    return lines


MIN_SKIPPED = 3  # a run of fewer lines is cheaper to run than to test its gradient


def skip_zero_gradients(
    lines: Sequence[str], when_zero: Sequence[Vanishing | None]
) -> tuple[list[str], set[int]]:
    """``lines``, each run of them reading one gradient skipped while it is +-0 (unless ``_live``),
    and the nodes whose values must be finite for that (the skipped lines' local derivatives).

    A run adds ``local * g`` for one gradient g: when g is +-0 and every local finite, it adds only
    zeros (`graph_code`'s ``when_zero`` says which lines qualify). Skipping them can change only the
    sign of a zero gradient on the way, never an input's total: those start at +0.0, as eager's
    sums do, so adding +-0 leaves them as they are. The caller's code sets ``_live`` when one of
    the returned nodes' values is not finite (0 * inf is nan), and then every line runs. A dead
    relu zeroes its neuron's gradient, so that neuron's run is skipped.
    """
    out: list[str] = []
    finite: set[int] = set()
    j = 0
    while j < len(lines):
        zero = when_zero[j]
        end = j + 1
        while zero is not None and end < len(lines) and (w := when_zero[end]) and w.gradient == zero.gradient:
            end += 1
        run = [w for w in when_zero[j:end] if w is not None]
        if zero is None or len(run) < MIN_SKIPPED:
            out += lines[j:end]
        else:
            instead = [w.instead for w in run if w.instead]
            out += [f"if {zero.gradient} or _live:", *(f"    {line}" for line in lines[j:end])]
            out += ["else:", *(f"    {line}" for line in instead)] if instead else []
            finite |= {w.value for w in run if w.value is not None}
        j = end
    return out, finite


class Replayed(NamedTuple):
    """What a replay returns: each row's output, the gradients, and each row's watched values."""

    outputs: Any  # list[float] per row (a NumPy array from `SampleReplay.batched`)
    grads: list[float]  # d (scale * sum of the outputs) / d input, one per input
    watched: Any  # per row, a tuple of the watched nodes' values (per node, an array when batched)


class SampleReplay:
    """One sample's graph, compiled; call it on parameter values and rows of sample values."""

    def __init__(self, output: Value, inputs: Sequence[Value], samples: Sequence[Value],
                 watch: Sequence[Value] = ()) -> None:  # fmt: skip
        order = backward_order(output)[::-1]  # parents before children, the output last
        self.inputs, self.samples, self.watch = list(inputs), list(samples), list(watch)
        self._order, self._number = order, {node: i for i, node in enumerate(order)}
        self._code: GraphCode = graph_code(order, self.inputs, self.samples, seed="_scale", accumulate=True,
                                           scalar=True)  # fmt: skip
        self._code.namespace.update(_isfinite=math.isfinite, _sum=sum)  # skip_zero_gradients' checks
        self._root = len(order) - 1
        depends = [False] * len(order)  # on a sample leaf: evaluated per row; the rest once per call
        sample_set = set(self.samples)
        for i, node in enumerate(order):
            depends[i] = node in sample_set or any(depends[self._number[p]] for p in node.parents)
        self._depends = depends
        self.lines = len(self._code.forward) + len(self._code.backward)
        self._per_row = self._build(self._per_row_source(), self._code.namespace)
        self._forward_only: Callable[..., Any] | None = None  # `values`' function, written when first called
        self._batched: Callable[..., Any] | None = None
        self._batched_code_cache: Any = None

    # ---- generated functions -----------------------------------------------------------------

    def _unpack(self, nodes: list[Value], source: str) -> list[str]:
        return [f"{', '.join(f'v{self._number[x]}' for x in nodes)}, = {source}"] if nodes else []

    def _finite(self, nodes: set[int], per_row: bool) -> str:
        """Code: True when those of ``nodes`` computed once per call (or per row) have finite values."""
        values = sorted(i for i in nodes if self._depends[i] == per_row)
        return f"_isfinite(_sum(({''.join(f'v{i}, ' for i in values)})))" if values else "True"

    def _per_row_source(self, gradients: bool = True) -> str:
        """The row loop; without ``gradients``, the forward pass alone (outputs and watched values)."""
        code, n = self._code, self._number
        once = [line for i, line in code.forward if not self._depends[i]]
        watched = f"_seen[_r] = ({''.join(f'v{n[x]}, ' for x in self.watch)})"
        after = [f"_outs[_r] = v{self._root}", watched]
        sums: list[str] = []  # set once per call, before the rows
        if gradients:
            backward, finite = skip_zero_gradients(code.backward, code.when_zero)
            if len(backward) != len(code.backward):  # some run is skipped: its test reads _live
                sums.append(f"_live_always = not {self._finite(finite, False)}")
                after.append(f"_live = _live_always or not {self._finite(finite, True)}")
            after += backward
            sums += [f"G{j} = 0.0 + _G[{j}]" for j in range(len(self.inputs))]  # as eager's start: never -0.0
        each = inline_single_reads([(i, line) for i, line in code.forward if self._depends[i]], after)
        loop = [*self._unpack(self.samples, "_rows[_r]"), *each, *after]
        body = [
            *self._unpack(self.inputs, "_p"), *once, *sums,
            "_outs = [0.0] * len(_rows)", "_seen = [()] * len(_rows)",
            "for _r in range(len(_rows) - 1, -1, -1):  # the last row first, as backward() meets them",
            *(f"    {line}" for line in loop),
            f"return _outs, [{', '.join(code.grads) if gradients else ''}], _seen",
        ]  # fmt: skip
        return "\n".join(["def replay(_p, _rows, _c, _scale, _G):", *(f"    {line}" for line in body)])

    @staticmethod
    def _build(source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
        """The function ``source`` defines, its globals a copy of ``namespace`` (two threads building
        at once, on the first call of `values` or `batched`, never see each other's)."""
        scope = dict(namespace)
        exec(compile(source, "<compile_replay>", "exec"), scope)
        function: Callable[..., Any] = scope["replay"]
        return function

    def _batched_code(self) -> Any:
        """The batched function's code (`autograd_tiny.compile.batched`), written when first needed."""
        if self._batched_code_cache is None:
            try:
                batched = importlib.import_module("autograd_tiny.compile.batched")
            except ModuleNotFoundError as err:
                if err.name != "numpy":
                    raise
                raise ImportError("replay.batched needs NumPy: pip install 'autograd_tiny[numpy]'") from err
            arrays = graph_code(self._order, self.inputs, self.samples, seed="_scale", accumulate=True)
            self._batched_code_cache = batched.batched_code(
                self._order, arrays, self.inputs, self.samples, self.watch
            )
        return self._batched_code_cache

    def source(self, gradients: bool = True) -> str:
        """The Python source calling the replay runs: the row loop, one line per node and contribution.

        ``gradients=False``: the source `values` runs, the forward pass alone."""
        return self._per_row_source(gradients)

    def batched_source(self) -> str:
        """The Python source `batched` runs: each layer as matrix products, other nodes line by line."""
        source: str = self._batched_code().source
        return source

    def _batched_function(self) -> Callable[..., Any]:
        if self._batched is None:
            code = self._batched_code()
            self._batched = self._build(code.source, code.namespace)
        return self._batched

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its graph and frozen constants; the code is written again when loaded."""
        return _load, (self._order[-1], self.inputs, self.samples, self.watch, self._code.constants)

    # ---- calls -------------------------------------------------------------------------------

    def _check_params(self, params: Sequence[float], what: str) -> list[float]:
        if not is_list(params) or len(params) != len(self.inputs):
            size = len(params) if is_list(params) else type(params).__name__
            raise ValueError(f"{what}: expects {len(self.inputs)} parameter values, got {size}")
        for j, x in enumerate(params if not all_floats(params) else ()):
            if not is_real(x):
                got = f"{type(x).__name__}: {x!r}"
                raise TypeError(f"{what}: parameter value {j} must be a number, got {got}")
        return [float(x) for x in params]

    def _check_call(self, params: Sequence[float], scale: float, start: Sequence[float] | None
                    ) -> tuple[list[float], list[float]]:  # fmt: skip
        values = self._check_params(params, "replay")
        if not is_real(scale):
            raise TypeError(f"replay: scale must be a number, got {type(scale).__name__}: {scale!r}")
        totals = [0.0] * len(self.inputs) if start is None else list(start)
        if len(totals) != len(self.inputs) or not (all_floats(totals) or all(is_real(x) for x in totals)):
            raise ValueError(f"replay: start must hold {len(self.inputs)} numbers, got {start!r}")
        return values, [float(x) for x in totals]

    def __call__(self, params: Sequence[float], rows: Sequence[Sequence[float]], *, scale: float = 1.0,
                 start: Sequence[float] | None = None) -> Replayed:  # fmt: skip
        """Each row's output and d (scale * their sum) / d input, added to ``start`` (default zeros).

        ``params`` holds one number per input and each row one number per sample leaf, in the
        order given to `compile_replay`. Bad arguments raise before any work is done.
        """
        values, totals = self._check_call(params, scale, start)
        self._check_rows(rows, "replay")
        outputs, grads, watched = self._per_row(values, rows, self._code.constants, float(scale), totals)
        return Replayed(outputs, grads, watched)

    def values(self, params: Sequence[float], rows: Sequence[Sequence[float]]) -> Replayed:
        """Each row's output and watched values, as calling the replay gives them, without its gradients.

        The forward pass alone (about half the work): for pictures and losses that need no
        gradient. ``grads`` is an empty list.
        """
        values = self._check_params(params, "replay.values")
        self._check_rows(rows, "replay.values")
        if self._forward_only is None:
            self._forward_only = self._build(self._per_row_source(gradients=False), self._code.namespace)
        outputs, _, watched = self._forward_only(values, rows, self._code.constants, 1.0, ())
        return Replayed(outputs, [], watched)

    def _check_rows(self, rows: Sequence[Sequence[float]], what: str) -> None:
        if not is_list(rows) or not rows:
            raise ValueError(f"{what}: rows must be a non-empty sequence of rows, got {rows!r}")
        width = len(self.samples)
        for r, row in enumerate(rows if not _float_rows(rows, width) else ()):
            if not is_list(row) or len(row) != width:
                got = f"{len(row)} values" if is_list(row) else type(row).__name__
                raise ValueError(f"{what}: row {r} must hold {width} sample values, got {got}: {row!r}")
            for x in row:
                if not is_real(x):
                    raise TypeError(f"{what}: row {r} holds {type(x).__name__} {x!r}; rows hold numbers")

    def batched(self, params: Sequence[float], rows: Any, *, scale: float = 1.0,
                start: Sequence[float] | None = None) -> Replayed:  # fmt: skip
        """As calling the replay, with every row at once on NumPy float64 arrays (needs NumPy).

        ``rows`` is anything ``numpy.asarray`` makes a 2-D array of numbers from, one row per
        sample. Outputs and watched values come back as arrays with one entry per row.
        """
        values, totals = self._check_call(params, scale, start)
        function = self._batched_function()
        np = importlib.import_module("numpy")
        table = np.asarray(rows)
        if table.dtype.kind not in "iuf":
            raise TypeError(f"replay.batched: rows must hold numbers, got an array of dtype {table.dtype}")
        if table.ndim != 2 or table.shape[1] != len(self.samples) or table.shape[0] == 0:
            raise ValueError(
                f"replay.batched: rows must be a 2-D table of (rows, {len(self.samples)}) sample values, "
                f"got shape {table.shape}"
            )
        n = table.shape[0]
        columns = np.ascontiguousarray(table.T, dtype=np.float64)
        summed = np.zeros(len(self.inputs))  # each input's gradient, summed over the rows
        with np.errstate(all="ignore"):  # IEEE inf and nan, as FloatMath gives at poles
            output, watched = function(values, columns, self._code.constants, float(scale), summed)
        return Replayed(
            np.broadcast_to(output, (n,)).astype(np.float64),
            [total + g for total, g in zip(totals, summed.tolist())],
            tuple(np.broadcast_to(w, (n,)).astype(np.float64) for w in watched),
        )


def _load(output: Value, inputs: list[Value], samples: list[Value], watch: list[Value],
          constants: list[float]) -> SampleReplay:  # fmt: skip
    """A pickled replay again: compiled anew, with the constants it froze (not the leaves' values now)."""
    replay = SampleReplay(output, inputs, samples, watch)
    replay._code.constants[:] = constants
    return replay


def compile_replay(output: Value, inputs: Sequence[Value], samples: Sequence[Value],
                   watch: Sequence[Value] = ()) -> SampleReplay:  # fmt: skip
    """Compile one sample's graph (``output``) for replay over rows of sample values.

    ``inputs`` are the leaves to differentiate (the parameters); ``samples`` the leaves that
    change from row to row (a sample's features and target); other leaves are constants,
    frozen at their current value. ``watch`` names nodes whose per-row values the replay
    also returns (a model's outputs, for accuracy). TypeError or ValueError, naming the
    offending Value, for anything else.
    """
    if not isinstance(output, Value):
        raise TypeError(f"compile_replay: output must be a Value, got {type(output).__name__}: {output!r}")
    in_graph = set(backward_order(output))
    seen: dict[Value, str] = {}
    for kind, nodes in (("input", inputs), ("sample", samples), ("watched node", watch)):
        if not is_list(nodes):
            raise TypeError(f"compile_replay: {kind}s must be a list of Values, got {type(nodes).__name__}")
        for j, x in enumerate(nodes):
            if not isinstance(x, Value):
                raise TypeError(f"compile_replay: {kind} {j} must be a Value, got {type(x).__name__}: {x!r}")
            if x not in in_graph:
                raise ValueError(f"compile_replay: {kind} {j}, {x!r}, is not in the graph of the output")
            if kind == "watched node":
                continue
            if x.parents:
                raise ValueError(f"compile_replay: {kind} {j}, {x!r}, is made by {x.op!r}; it must be a leaf")
            if x in seen:
                raise ValueError(f"compile_replay: {kind} {j}, {x!r}, is already listed as {seen[x]}")
            seen[x] = f"{kind} {j}"
    return SampleReplay(output, inputs, samples, watch)
