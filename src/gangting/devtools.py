"""Developer checks that need the package.

    python -m gangting.devtools drift   models and migrations agree
    python -m gangting.devtools graph   the top-level package graph and its cycles

`graph` reads whichever `gangting` is first on the path, so an older checkout's graph is
`PYTHONPATH=<old checkout>/src python src/gangting/devtools.py graph`.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from gangting.kernel.db import make_engine
from gangting.migrate import check_drift, upgrade


def drift() -> None:
    """Fail when the models and the migrations disagree (alembic check on a fresh SQLite)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'drift.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        check_drift(url)
    print("models and migrations agree")


def package_graph(root: str = "gangting") -> dict[str, set[str]]:
    """Which top-level package of ``root`` imports which (direct imports, modules folded
    into their top-level package; imports inside a package are left out)."""
    import grimp  # a development dependency (import-linter's), loaded only here

    graph = grimp.build_graph(root)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        source = _top(root, module)
        edges[source]
        for imported in graph.find_modules_directly_imported_by(module):
            target = _top(root, imported)
            if target != source:
                edges[source].add(target)
    return dict(edges)


def _top(root: str, module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else root


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(1000, 10 * len(edges)))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups, key=lambda g: (-len(g), g))


def graph() -> None:
    """Print the package graph and its cycles."""
    edges = package_graph()
    count = sum(len(targets) for targets in edges.values())
    print(f"gangting: {len(edges)} top-level packages, {count} package imports")
    for source in sorted(edges):
        print(f"  {source} -> {', '.join(sorted(edges[source])) or '(nothing)'}")
    found = cycles(edges)
    if not found:
        print("cycles: none (the packages import one way)")
    for number, group in enumerate(found, 1):
        print(f"cycle {number}: {len(group)} packages import each other: {', '.join(group)}")


if __name__ == "__main__":
    commands = {"drift": drift, "graph": graph}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit("usage: python -m gangting.devtools drift|graph")
    commands[sys.argv[1]]()
