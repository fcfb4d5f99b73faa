"""Which module call made each Value: the recorded scopes as a tree, and each node's innermost scope.

`draw_dot` draws these as nested clusters; `draw_collapsed` draws each neuron's or layer's as one box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from autograd_tiny.checks import brief, is_whole
from autograd_tiny.engine import Value
from autograd_tiny.modes import creation_index
from autograd_tiny.scopes import Scope
from autograd_tiny.viz.text import html_label


def scope_tree(scopes: Sequence[Scope], what: str) -> tuple[list[Scope], list[int]]:
    """Non-empty scopes sorted outermost first, and each one's enclosing scope (-1: none)."""
    ordered = []
    for s in scopes:
        if not (isinstance(s, tuple) and len(s) == 3 and is_whole(s[1]) and is_whole(s[2])):
            raise TypeError(f"{what}: scopes must hold Scope(name, start, stop) items, got {brief(s)}")
        if s[1] < s[2]:
            ordered.append(Scope(str(s[0]), int(s[1]), int(s[2])))
    ordered.sort(key=lambda s: (s.start, -s.stop))
    parents: list[int] = []
    stack: list[int] = []
    for i, s in enumerate(ordered):
        while stack and ordered[stack[-1]].stop <= s.start:
            stack.pop()
        if stack and ordered[stack[-1]].stop < s.stop:
            raise ValueError(f"{what}: scopes overlap without nesting: {ordered[stack[-1]]} and {s}")
        parents.append(stack[-1] if stack else -1)
        stack.append(i)
    return ordered, parents


def owners(nodes: Sequence[Value], ordered: Sequence[Scope]) -> dict[Value, int]:
    """The innermost scope (index into ordered) each node was made in, for nodes made in one.

    A leaf made outside every scope (a weight made when the model was built) joins its
    consumers' scope when all of them lie in the same one, so a neuron's cluster holds its weights.
    """
    owner: dict[Value, int] = {}
    stack: list[int] = []
    j = 0
    for v in sorted(nodes, key=creation_index):  # oldest first, like the scopes (-1: made outside them)
        i = creation_index(v)
        while j < len(ordered) and ordered[j].start <= i:
            stack.append(j)
            j += 1
        while stack and ordered[stack[-1]].stop <= i:
            stack.pop()
        if stack:
            owner[v] = stack[-1]
    consumers: dict[Value, set[int | None]] = {}
    for v in nodes:
        for p in v.parents:
            if not p.parents and p not in owner:
                consumers.setdefault(p, set()).add(owner.get(v))
    for leaf, where in consumers.items():
        only = where.pop() if len(where) == 1 else None
        if only is not None:
            owner[leaf] = only
    return owner


class Clusters(NamedTuple):
    """The scopes that group a picture: sorted outermost first, each one's parent, each node's scope."""

    scopes: list[Scope]
    parent_of: list[int]
    owner: dict[Value, int]


def group(nodes: Sequence[Value], scopes: Sequence[Scope] | None, what: str) -> Clusters:
    ordered, parent_of = scope_tree(scopes or (), what)
    return Clusters(ordered, parent_of, owners(nodes, ordered) if ordered else {})


def cluster_blocks(
    ordered: Sequence[Scope], parent_of: Sequence[int], members: Mapping[int, list[str]]
) -> list[str]:
    """Nested ``subgraph cluster_i`` blocks for the scopes that hold at least one node."""
    children: dict[int, list[int]] = {}
    used = set()
    for c in members:
        while c != -1 and c not in used:
            used.add(c)
            c = parent_of[c]
    for c in sorted(used):
        children.setdefault(parent_of[c], []).append(c)

    def block(c: int, indent: str) -> list[str]:
        label = html_label(ordered[c].name)
        out = [f"{indent}subgraph cluster_{c} {{\n",
               f"{indent}\tlabel=<{label}> style=rounded color=grey60 fontcolor=grey30\n"]
        out += [indent + line for line in members.get(c, ())]
        for child in children.get(c, ()):
            out += block(child, indent + "\t")
        return [*out, f"{indent}}}\n"]

    return [line for top in children.get(-1, ()) for line in block(top, "\t")]
