"""Batched replay's code: one sample's graph on NumPy arrays of every row, its layers as matrix products.

The scalar graph of one sample, replayed one NumPy operation per node, pays Python's cost per
node: an MLP step is hundreds of small array operations. Here the layers `find_layers` finds
(neurons ``act(w . x + b)`` over shared inputs) become matrix code on (neurons, rows) arrays:

    forward    Z = W @ X + b[:, None]          A = act(Z)
    backward   GZ = act'(Z) * G               dW = GZ @ X.T   db = GZ.sum(1)   GX = W.T @ GZ

where G holds d output / d A for every neuron and row. A layer reading the previous layer's
output matrix takes it whole, and hands GX back whole. Every other node (losses, your own
operations, irregular wiring) keeps the line `graph_code` writes for it, on arrays of rows, in
the same place of the same walk; where it reads or feeds a neuron, it reads a row of the
layer's matrix or adds to a row of G. Parameters' gradients are summed over the rows as they
are made (``_T``). The activation runs as the rule of `RULES` in array form (`array_rule`), so
branches (relu) are decided per element, with the masked zeros of relu's derivative.

The numbers are those of the per-sample replay to about 1e-12 relative: a matrix product adds
a neuron's terms, and the rows, in its own order instead of eager's left to right.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_tiny.compile.arraymath import ArrayMath, array_rule
from autograd_tiny.compile.graph import CALLED_RULES, GraphCode
from autograd_tiny.compile.layers import Layer, find_layers
from autograd_tiny.compile.symbolic import code as source_of
from autograd_tiny.engine import RULES, Value, rule_operands


class Workspace(threading.local):
    """The (neurons, rows) arrays a batched function writes its layers into, kept from call to call.

    A fresh array per matrix operation pays its page faults at every step once it holds a few
    megabytes (10,000 rows); these are made again only when the number of rows changes. One set
    per thread, so two threads replaying at once do not write into each other's arrays.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, Any] = {}

    def __call__(self, name: str, height: int, rows: int, dtype: Any = np.float64) -> Any:
        array = self.arrays.get(name)
        if array is None or array.shape != (height, rows):
            array = self.arrays[name] = np.empty((height, rows), dtype)
        return array


def _fill(matrix: Any, *columns: Any) -> Any:
    """``matrix`` with row k set to columns[k] (an array of one value per row, or one number for all)."""
    for k, column in enumerate(columns):
        matrix[k] = column
    return matrix


def _zero(matrix: Any) -> Any:
    matrix.fill(0.0)
    return matrix


def _relu(z: Any, out: Any) -> Any:
    """ArrayMath.relu written into ``out``: numpy.maximum(z, 0.0) + 0.0 (nan kept, -0.0 made 0.0)."""
    np.maximum(z, 0.0, out=out)
    out += 0.0
    return out


_ONE = np.uint64(1)


def _relu_backward(z: Any, g: Any, flat: Any, bits: Any) -> Any:
    """ArrayMath.step(z) * g in place in ``g``: g where z > 0 (or nan), the masked +0.0 where z <= 0.

    Without a branch per element (relu's signs are random, so a masked copy mispredicts): ``flat``
    (uint8) is 1 where z <= 0, ``bits`` (uint64) flat - 1, so 0 there and all ones elsewhere, and
    g's 64 bits are ANDed with it; the bits of `MaskArray`'s product.
    """
    np.less_equal(z, 0.0, out=flat)
    np.subtract(flat, _ONE, out=bits)
    g_bits = g.view(np.uint64)
    g_bits &= bits
    return g


def _total(gradient: Any, rows: int) -> float:
    """A contribution to a parameter's gradient, summed over the rows (one number for all: times rows)."""
    if isinstance(gradient, np.ndarray) and gradient.ndim:
        return float(gradient.sum())
    return float(gradient) * rows


@dataclass
class BatchedCode:
    """The batched function's source, what it refers to, and the layers it runs as matrix products."""

    source: str
    namespace: dict[str, Any]
    layers: list[Layer]


def batched_code(order: list[Value], code: GraphCode, inputs: Sequence[Value], samples: Sequence[Value],
                 watch: Sequence[Value]) -> BatchedCode:  # fmt: skip
    """The source of ``replay(_p, _columns, _c, _scale, _T) -> (output, watched)`` on arrays of rows.

    ``order`` and ``code`` are the replay's graph (parents first) and its per-node lines. The
    function adds d (scale * sum of the outputs) / d input j into ``_T[j]`` (a float64 array).
    """
    return _Writer(order, code, inputs, samples, watch).build()


class _Writer:
    """Writes the batched function: node lines and layer blocks, forward then backward."""

    def __init__(self, order: list[Value], code: GraphCode, inputs: Sequence[Value], samples: Sequence[Value],
                 watch: Sequence[Value]) -> None:  # fmt: skip
        self.order, self.code, self.inputs, self.samples, self.watch = order, code, inputs, samples, watch
        self.number = {node: i for i, node in enumerate(order)}
        self.position = {self.number[x]: j for j, x in enumerate(inputs)}
        self.layers = find_layers(order, inputs, watch)
        self.lifted = {i for layer in self.layers for i in layer.nodes}
        self.anchor = {layer.sums[0]: n for n, layer in enumerate(self.layers)}  # where a layer's code goes
        self.owner = {i: (n, k) for n, layer in enumerate(self.layers) for k, i in enumerate(layer.outputs)}
        by_outputs = {tuple(layer.outputs): n for n, layer in enumerate(self.layers)}
        # the layer whose output matrix is this layer's X, if its inputs are exactly that layer's outputs
        self.reads = [by_outputs.get(tuple(layer.inputs)) for layer in self.layers]
        input_set, needs_grad = set(inputs), [False] * len(order)
        for i, node in enumerate(order):
            needs_grad[i] = node in input_set or any(needs_grad[self.number[p]] for p in node.parents)
        self.needs_grad = needs_grad
        self.namespace: dict[str, Any] = {
            **code.namespace, **self._called_rules(), "_m": ArrayMath, "_total": _total, "_zeros": np.zeros,
            "_array": np.array, "_add_at": np.add.at, "_work": Workspace(), "_fill": _fill, "_zero": _zero,
            "_matmul": np.matmul, "_relu": _relu, "_relu_backward": _relu_backward,
            "_uint8": np.uint8, "_uint64": np.uint64,
        }  # fmt: skip
        self.lines: list[str] = []
        self.grad: dict[int, str] = {}  # node -> the expression holding its gradient so far
        self.started: set[int] = set()  # layers whose gradient matrix G<n> exists

    def _called_rules(self) -> dict[str, Callable[..., Any]]:
        """The array form of each rule the node lines call on values (they branch): _f<n> and _l<n>."""
        arrays: dict[str, Callable[..., Any]] = {}
        for i, node in enumerate(self.order):
            if node.parents and node.rule in CALLED_RULES and i not in self.lifted:
                n, pair = CALLED_RULES[node.rule], len(node.parents) == 2
                for name, arity in ((f"_f{n}", 3), (f"_l{n}", 4)):
                    if name in self.code.namespace and name not in arrays:
                        where = f"compile_replay: operation {node.rule!r} on arrays"
                        arrays[name] = array_rule(self.code.namespace[name], arity, where, pair)
        return arrays

    def build(self) -> BatchedCode:
        root = len(self.order) - 1
        read = self._values_read()
        columns = ", ".join(f"v{self.number[x]}" for x in self.samples)
        unpack = ([f"{columns}, = _columns"] if columns else []) + [
            f"v{i} = _p[{j}]" for i, j in self.position.items() if i in read
        ]
        watched = "".join(f"v{self.number[x]}, " for x in self.watch)
        body = [
            "_n = _columns.shape[1]", "_pa = _array(_p)", *unpack, *self._forward(read), *self._backward(),
            f"return v{root}, ({watched})",
        ]  # fmt: skip
        source = "\n".join(["def replay(_p, _columns, _c, _scale, _T):", *(f"    {line}" for line in body)])
        return BatchedCode(source, self.namespace, self.layers)

    # ---- forward ------------------------------------------------------------------------------

    def _values_read(self) -> set[int]:
        """Nodes whose own variable v<i> some line reads (so a layer writes it out of its matrix)."""
        read = {self.number[x] for x in self.watch} | {len(self.order) - 1}
        for i, node in enumerate(self.order):
            if i not in self.lifted:
                read.update(self.number[p] for p in node.parents)
        for layer, source in zip(self.layers, self.reads):
            if source is None:
                read.update(layer.inputs)
        return read

    def _forward(self, read: set[int]) -> list[str]:
        lines, node_lines = [], dict(self.code.forward)
        for i in range(len(self.order)):
            if i in self.anchor:
                lines += self._layer_forward(self.anchor[i], read)
            if i not in self.lifted and i in node_lines:
                lines.append(node_lines[i])
        return lines

    def _matrix(self, n: int) -> str:
        """The variable holding layer n's outputs, one row per neuron."""
        return f"A{n}" if self.layers[n].activation is not None else f"Z{n}"

    def _activation(self, n: int, part: int) -> tuple[str, str]:
        """Layer n's activation (part 0) or its local derivatives (part 1) in array form, and its constant."""
        node = self.layers[n].activation
        assert node is not None
        name = f"_a{n}" if part == 0 else f"_da{n}"
        if name not in self.namespace:
            where = f"compile_replay: operation {node.rule!r} on a layer"
            self.namespace[name] = array_rule(RULES[node.rule][part], 3 + part, where, y_is_value=False)
        return name, source_of(rule_operands(node)[1])

    @staticmethod
    def _work(name: str, height: int, dtype: str = "") -> str:
        """The expression for the workspace's array ``name``: ``height`` rows of one value per sample."""
        return f'_work("{name}", {height}, _n{", " + dtype if dtype else ""})'

    def _relu(self, n: int) -> bool:
        """Layer n's activation is relu: written into the workspace, and its derivative applied in place."""
        node = self.layers[n].activation
        return node is not None and node.rule == "relu"

    def _layer_forward(self, n: int, read: set[int]) -> list[str]:
        layer, source = self.layers[n], self.reads[n]
        columns = ", ".join(f"v{x}" for x in layer.inputs)
        inputs, neurons = len(layer.inputs), len(layer.sums)
        lines = [f"X{n} = {self._matrix(source)}" if source is not None
                 else f"X{n} = _fill({self._work(f'X{n}', inputs)}, {columns})"]  # fmt: skip
        self.namespace[f"_W{n}"] = np.array(layer.weights, dtype=np.intp)
        lines += [f"W{n} = _pa[_W{n}]"]
        if layer.has_bias:
            self.namespace[f"_B{n}"] = np.array(layer.biases, dtype=np.intp)
        lines.append(f"Z{n} = _matmul(W{n}, X{n}, out={self._work(f'Z{n}', neurons)})")
        lines += [f"Z{n} += _pa[_B{n}][:, None]"] if layer.has_bias else []
        lines += [f"v{i} = Z{n}[{k}]" for k, i in enumerate(layer.sums) if i in read]
        if self._relu(n):
            lines.append(f"A{n} = _relu(Z{n}, out={self._work(f'A{n}', neurons)})")
        elif layer.activation is not None:
            rule, constant = self._activation(n, 0)
            lines.append(f"A{n} = {rule}(_m, Z{n}, {constant})")
        if layer.activation is not None:
            lines += [f"v{i} = A{n}[{k}]" for k, i in enumerate(layer.outputs) if i in read]
        return lines

    # ---- backward -----------------------------------------------------------------------------

    def _backward(self) -> list[str]:
        """The chain rule in Value.backward()'s order; a layer's block where its first sum stands."""
        root = len(self.order) - 1
        self.lines, self.grad = [f"g{root} = _scale"], {root: f"g{root}"}
        if root in self.position:
            self._add(root, f"g{root}", "1.0")
        for i in reversed(range(len(self.order))):
            if i in self.anchor:
                self._layer_backward(self.anchor[i])
            if i in self.lifted or i not in self.code.local_grads or not self.needs_grad[i]:
                continue
            locals_, setup = self.code.local_grads[i]
            self.lines += [setup] if setup else []
            for parent, local in zip(self.order[i].parents, locals_):
                if self.needs_grad[self.number[parent]]:
                    self._add(self.number[parent], self.grad[i], local)
        return self.lines

    def _add(self, p: int, upstream: str, local: str) -> None:
        """Add local * upstream to node p's gradient: a parameter's total, a row of its layer's G, or g<p>."""
        term = upstream if local == "1.0" else f"{local} * {upstream}"
        if p in self.position:
            self.lines.append(f"_T[{self.position[p]}] += _total({term}, _n)")
        elif p in self.owner:
            n, k = self.owner[p]
            self._start(n)
            self.lines.append(f"G{n}[{k}] += {term}")
        elif p not in self.grad and local == "1.0":
            self.grad[p] = upstream  # a copy: share the expression, write no line
        elif p not in self.grad:
            self.lines.append(f"g{p} = {term}")
            self.grad[p] = f"g{p}"
        elif self.grad[p] == f"g{p}":
            self.lines.append(f"g{p} += {term}")
        else:  # a shared expression gets a second contribution: from now on p has its own
            self.lines.append(f"g{p} = {self.grad[p]} + {term}")
            self.grad[p] = f"g{p}"

    def _start(self, n: int) -> None:
        """Layer n's gradient matrix G<n>, zeros in the workspace, unless some line made it already."""
        if n not in self.started:
            self.lines.append(f"G{n} = _zero({self._work(f'G{n}', len(self.layers[n].outputs))})")
            self.started.add(n)

    def _add_matrix(self, n: int, matrix: str) -> None:
        """Add a whole (neurons, rows) gradient to layer n's G."""
        self.lines.append(f"G{n} += {matrix}" if n in self.started else f"G{n} = {matrix}")
        self.started.add(n)

    def _layer_backward(self, n: int) -> None:
        layer = self.layers[n]
        self._start(n)  # every output has a reader after it, so this is only a safeguard
        gz = f"G{n}"
        if self._relu(n):  # G<n> is this layer's own (the workspace's, or a GX made for it): overwrite it
            neurons = len(layer.sums)
            flat, bits = self._work(f"F{n}", neurons, "_uint8"), self._work(f"K{n}", neurons, "_uint64")
            self.lines.append(f"GZ{n} = _relu_backward(Z{n}, G{n}, {flat}, {bits})")
            gz = f"GZ{n}"
        elif layer.activation is not None:
            rule, constant = self._activation(n, 1)
            self.lines.append(f"GZ{n} = {rule}(_m, Z{n}, {constant}, A{n})[0] * G{n}")  # masked zeros stay 0
            gz = f"GZ{n}"
        weights = [j for row in layer.weights for j in row]
        for name, positions, product in ((f"_W{n}", weights, f"{gz} @ X{n}.T"),
                                         (f"_B{n}", layer.biases, f"{gz}.sum(axis=1)")):  # fmt: skip
            if not positions:
                continue
            distinct = len(set(positions)) == len(positions)  # else `+=` would add a repeated one once
            self.lines.append(f"_T[{name}] += {product}" if distinct else f"_add_at(_T, {name}, {product})")
        wanted = [(j, x) for j, x in enumerate(layer.inputs) if self.needs_grad[x]]
        if not wanted:
            return
        self.lines.append(f"GX{n} = _matmul(W{n}.T, {gz}, out={self._work(f'GX{n}', len(layer.inputs))})")
        source = self.reads[n]
        if source is not None:
            self._add_matrix(source, f"GX{n}")
            return
        for j, x in wanted:
            self._add(x, f"GX{n}[{j}]", "1.0")
