"""The "every test checks something" plugin: its AST rule, and a real pytest run that it fails."""

from __future__ import annotations

import ast
import os
import textwrap

import pytest

from apps.core.testing import BASE_DIR
from apps.core.testing_assertions import checks_something, returns_early


def _checks(source: str, helpers: str = "") -> bool:
    tree = ast.parse(textwrap.dedent(source)).body[0]
    module = ast.parse(textwrap.dedent(helpers)).body if helpers else []
    return checks_something(tree, {n.name: n for n in module if isinstance(n, ast.FunctionDef)})


@pytest.mark.parametrize(
    "source",
    [
        "def test(): assert 1",
        "def test():\n    with pytest.raises(ValueError):\n        int('x')",
        "def test(): pytest.fail('no')",
        "def test(page): expect(page.get_by_text('Saved')).to_be_visible()",
        "def test(self): self.assertEqual(1, 1)",
        "def test(django_assert_num_queries):\n    with django_assert_num_queries(2):\n        pass",
        "def test(): wait_for(lambda: True, 1, 'x')",
        "def test():\n    def inner():\n        assert 1\n    inner()",
    ],
)
def test_these_bodies_check_something(source):
    assert _checks(source) is True


@pytest.mark.parametrize(
    "source",
    [
        "def test(): pass",
        "def test(client): client.get('/')",
        "def test(x):\n    if x:\n        return\n    x.save()",
        "def test(): pytest.skip('later')",
        "def test(): helper()",  # an unknown helper that asserts nothing
    ],
)
def test_these_bodies_check_nothing(source):
    assert _checks(source) is False


def test_an_early_return_is_seen_but_not_a_nested_function_s():
    assert returns_early(ast.parse("def test(x):\n    if x:\n        return\n    assert x").body[0]) is True
    nested = "def test():\n    def helper():\n        return 1\n    assert helper() == 1"
    assert returns_early(ast.parse(nested).body[0]) is False


def test_a_module_helper_that_asserts_counts_and_one_that_does_not_is_followed_through():
    helpers = """
        def check_page(x):
            assert x
        def visit(x):
            return check_page(x)
        def loops(x):
            return loops(x)
    """
    assert _checks("def test(): visit(1)", helpers) is True
    assert _checks("def test(): loops(1)", helpers) is False  # recursion ends, nothing asserted


def test_a_run_fails_the_tests_that_check_nothing(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(BASE_DIR) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pytester.makeini("[pytest]\nmarkers =\n")
    pytester.makepyfile(
        test_sample="""
        import pytest

        def check(value):
            assert value

        def test_asserts():
            assert 1 + 1 == 2

        def test_uses_a_helper():
            check(True)

        def test_nothing():
            sum([1, 2])

        @pytest.mark.parametrize("n", [1, 2])
        def test_nothing_parametrized(n):
            if n:
                return
            assert n

        @pytest.mark.no_assert("must not raise")
        def test_marked():
            sum([1])

        @pytest.mark.no_assert
        def test_marked_without_a_reason():
            sum([1])
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "apps.core.testing_assertions", "-p", "no:django", "-p", "no:cacheprovider", "-q"
    )
    result.assert_outcomes(passed=3, errors=4)
    result.stdout.fnmatch_lines(
        [
            "*test_nothing ends without an assertion*",
            "*test_nothing_parametrized?1? returns from its body*",
            "*test_marked_without_a_reason @pytest.mark.no_assert needs a reason*",
            "*tests that check nothing*",
            "test_sample.py::test_nothing_parametrized[[]1[]]",
        ]
    )
