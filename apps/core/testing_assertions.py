"""A pytest plugin (``-p apps.core.testing_assertions`` in pyproject's addopts): a test function must check
something. A test fails before it runs when its body (nested functions included) has none of:

* an ``assert`` statement;
* a call to ``pytest.raises`` / ``pytest.fail`` / ``pytest.warns`` / ``pytest.deprecated_call``;
* a call to Playwright's ``expect(...)``, or to anything named ``assert...`` (``self.assertEqual``,
  ``django_assert_num_queries``, ``mock.assert_called_once``...) or ``..._assert_...``;
* a call to a helper named in :data:`ASSERTION_HELPERS`, or to a function of the test's own module that
  itself checks something by these rules (so a module's ``check_page(...)`` helper counts).

A test must not ``return`` from its body either: a case that returns early (``if name in PUBLIC: return``)
passes without checking anything it is there for; such a case should not be generated.

A test that legitimately asserts nothing says why: ``@pytest.mark.no_assert("must not raise")`` (a reason
is required). The offenders are listed at the end of the run.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap

import pytest

#: helpers (by the name they are called with) that fail the test when their check does not hold
ASSERTION_HELPERS = frozenset({"wait_for", "expect"})
PYTEST_CHECKS = frozenset({"raises", "fail", "warns", "deprecated_call"})
MARKER = "no_assert"
_OFFENDERS = pytest.StashKey[list]()  # on the config: node ids
_REASON = pytest.StashKey[str]()  # on an item: why it fails


def _callee(node: ast.Call) -> tuple[str, str]:
    """(the object's name or "", the called name) of a call: ``pytest.raises`` -> ("pytest", "raises")."""
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return owner, func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


def _is_check_call(owner: str, name: str) -> bool:
    if owner == "pytest" and name in PYTEST_CHECKS:
        return True
    return name in ASSERTION_HELPERS or name.startswith("assert") or "_assert" in name


def checks_something(tree: ast.AST, module_functions: dict | None = None, _seen: set | None = None) -> bool:
    """True when ``tree`` (a function's AST) asserts or raises by the rules above. ``module_functions``:
    name -> AST of the functions of the test's module, followed when called (once each)."""
    seen = _seen if _seen is not None else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            owner, name = _callee(node)
            if _is_check_call(owner, name):
                return True
            if not owner and module_functions and name in module_functions and name not in seen:
                seen.add(name)
                if checks_something(module_functions[name], module_functions, seen):
                    return True
    return False


def returns_early(tree: ast.AST) -> bool:
    """True when the function ``tree`` has a ``return`` of its own (nested functions and lambdas aside)."""

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                continue
            if isinstance(child, ast.Return) or walk(child):
                return True
        return False

    return walk(tree)


def _function_ast(func) -> ast.AST | None:
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    return ast.parse(source).body[0]


@functools.cache
def _module_functions(module) -> dict:
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return {}
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def offender_reason(item) -> str | None:
    """Why ``item`` fails the rule, or None when it checks something (or is marked ``no_assert``)."""
    marker = item.get_closest_marker(MARKER)
    if marker is not None:
        if not (marker.args and isinstance(marker.args[0], str) and marker.args[0].strip()):
            return f'@pytest.mark.{MARKER} needs a reason, e.g. @pytest.mark.{MARKER}("must not raise")'
        return None
    func = inspect.unwrap(getattr(item, "obj", None) or (lambda: None))
    tree = _function_ast(func)
    if tree is None:
        return None  # no source to read (generated): nothing to say
    if returns_early(tree):
        return (
            "returns from its body: a case that returns early checks nothing; do not generate it "
            "(parametrize over the cases it is for)"
        )
    module = inspect.getmodule(func)
    if checks_something(tree, _module_functions(module) if module else None):
        return None
    return (
        "ends without an assertion (assert, pytest.raises/fail, expect(...), an assert* call or a helper in "
        f"apps/core/testing_assertions.ASSERTION_HELPERS); if it truly checks nothing, mark it "
        f'@pytest.mark.{MARKER}("why")'
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f'{MARKER}(reason): this test asserts nothing on purpose (e.g. "must not raise")'
    )
    config.stash[_OFFENDERS] = []


def pytest_collection_modifyitems(session, config, items):
    cache: dict = {}
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        key = (getattr(item, "function", None), item.get_closest_marker(MARKER) is not None)
        if key not in cache:
            cache[key] = offender_reason(item)
        if cache[key]:
            item.stash[_REASON] = cache[key]
            config.stash[_OFFENDERS].append(item.nodeid)


def pytest_runtest_setup(item):
    reason = item.stash.get(_REASON, None)
    if reason:
        pytest.fail(f"{item.nodeid} {reason}", pytrace=False)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    offenders = config.stash.get(_OFFENDERS, [])
    if offenders:
        terminalreporter.section("tests that check nothing (apps/core/testing_assertions.py)")
        for nodeid in offenders:
            terminalreporter.write_line(nodeid)
