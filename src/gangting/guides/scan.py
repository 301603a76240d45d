"""Which refusal codes a use case can raise, read from its source (ast), for the check that
every one is a condition of its business's guide.

From the entry function the scan follows every call it can resolve (a name or a module's
attribute) to a function of the packages it is given, and collects:

- a named error constructed (raised or returned): its ``code=`` keyword, else its class code;
- ``ensure_allowed(..., code="...")``: that code;
- in a rule returning ``Decision``: every ``Reason("code", ...)`` not inside
  ``Decision.allow(...)`` (the rule's refusals);
- elsewhere: every ``Reason("code", ...)`` inside ``Decision.refuse(...)``.

Reasons whose code is not a literal cannot be read; the guide names those by hand (their
codes come from the rules the scan reads)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any

from gangting.kernel.errors import DomainError


def resolve(entry: str) -> Callable[..., Any]:
    """'package.module:function' -> the function."""
    module, _, name = entry.partition(":")
    fn: Callable[..., Any] = getattr(import_module(module), name)
    return fn


def _target(node: ast.expr, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = scope.get(node.value.id)
        if isinstance(owner, ModuleType | type):
            return getattr(owner, node.attr, None)
    return None


def _is_call_of(node: ast.Call, owner: str, attr: str) -> bool:
    f = node.func
    return (
        isinstance(f, ast.Attribute)
        and f.attr == attr
        and isinstance(f.value, ast.Name)
        and f.value.id == owner
    )


def _literal_code(node: ast.Call) -> str | None:
    for kw in node.keywords:
        if kw.arg == "code" and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


def _reason_code(node: ast.Call) -> str | None:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name != "Reason" or not node.args:
        return None
    first = node.args[0]
    return str(first.value) if isinstance(first, ast.Constant) else None


def _codes_of(fn: Callable[..., Any]) -> tuple[set[str], list[Callable[..., Any]]]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    scope: dict[str, Any] = dict(getattr(fn, "__globals__", {}))
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    returns = ast.unparse(func.returns) if func.returns is not None else ""
    is_rule = returns == "Decision"
    codes: set[str] = set()
    calls: list[Callable[..., Any]] = []

    def visit(node: ast.AST, allow: bool, refuse: bool) -> None:
        if isinstance(node, ast.Call):
            if _is_call_of(node, "Decision", "allow"):
                allow = True
            if _is_call_of(node, "Decision", "refuse"):
                refuse = True
            code = _reason_code(node)
            if code is not None and ((is_rule and not allow) or refuse):
                codes.add(code)
            target = _target(node.func, scope)
            if isinstance(target, type) and issubclass(target, DomainError):
                codes.add(_literal_code(node) or target.code)
            elif getattr(target, "__name__", "") == "ensure_allowed":
                literal = _literal_code(node)
                if literal:
                    codes.add(literal)
            elif inspect.isfunction(target):
                calls.append(target)
        for child in ast.iter_child_nodes(node):
            visit(child, allow, refuse)

    for statement in func.body:
        visit(statement, False, False)
    return codes, calls


def refusal_codes(entry: Callable[..., Any], packages: tuple[str, ...]) -> set[str]:
    """Every refusal code ``entry`` can raise through functions of ``packages``."""
    seen: set[Callable[..., Any]] = set()
    todo = [entry]
    codes: set[str] = set()
    while todo:
        fn = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        found, calls = _codes_of(fn)
        codes |= found
        todo += [
            c
            for c in calls
            if any(c.__module__ == p or c.__module__.startswith(p + ".") for p in packages)
        ]
    return codes
