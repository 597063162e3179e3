"""Schemathesis against the sandbox, once per provider with that provider's spec file: every one of the 31
operations must answer without a server error, and what it answers must conform to the spec's response
schema. Inputs: schemathesis's coverage cases (boundary values of every parameter, valid and invalid: the
invalid ones only have to answer without a 5xx) and ``MAX_EXAMPLES`` generated valid ones per operation.
Bounded and repeatable: the coverage cases are a fixed list, the generation is derandomized Hypothesis with
no example database. The specs document no error statuses, so status code conformance is left out."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .conftest import SPECS, as_kore

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MAX_EXAMPLES = 8
#: every N-th of the invalid-input coverage cases (about 750 per spec; all of them take too long)
NEGATIVE_STRIDE = 3
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize("provider", ["twilio", "kore"])
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(sandbox, settings_, provider):
    if provider == "kore":
        as_kore(sandbox, settings_)
    schema = schemathesis.openapi.from_dict(SPECS[provider])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 31
    session: requests.Session = sandbox.http
    # one connection per request: the test server answers some malformed requests (generated header
    # values) before reading their body, which would desynchronise a kept-alive connection
    session.headers["Connection"] = "close"
    failures: list[str] = []

    def check(case) -> None:
        # the session authenticates (Basic for Twilio, a bearer token for KORE); generated credentials
        # would only test the 401
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        response = case.call(base_url=sandbox.base, session=session, timeout=10)
        checks = (
            CHECKS if case.meta is None or case.meta.generation.mode.is_positive else [not_a_server_error]
        )
        case.validate_response(response, checks=checks)

    for operation in operations:
        config = schema.config.generation_for(operation=operation)
        positive = schema.iter_coverage_cases(
            operation, generation_modes=[GenerationMode.POSITIVE], generation_config=config
        )
        negative = schema.iter_coverage_cases(
            operation, generation_modes=[GenerationMode.NEGATIVE], generation_config=config
        )
        for cases in (list(positive), list(negative)[::NEGATIVE_STRIDE]):
            for case in cases:
                try:
                    check(case)
                except Exception as exc:  # noqa: BLE001 - collected: all failures are shown at once
                    failures.append(
                        f"{operation.label} {case.query} {case.body}: {type(exc).__name__}: {exc}"[:1500]
                    )

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=operation.as_strategy())
        def run(case):
            check(case)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected: every operation is fuzzed, all failures shown
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:1500])
    print(f"{len(failures)} failures")
    assert not failures, "\n\n".join(failures)


@pytest.fixture
def settings_(settings):
    """pytest-django's settings under another name (``settings`` is Hypothesis's decorator here)."""
    return settings
