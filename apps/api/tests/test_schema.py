"""The generated OpenAPI 3 schema validates, and a bounded, deterministic schemathesis run against the API
(a token, the sandbox behind it over HTTP) finds no 5xx and no answer that breaks the schema."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_spec

from apps.api.tokens import token_create

#: every resource of the issue has its paths
EXPECTED_PATHS = {
    "/api/v1/sims/",
    "/api/v1/sims/{sid}/",
    "/api/v1/sims/{sid}/status/",
    "/api/v1/sims/{sid}/fleet/",
    "/api/v1/sims/{sid}/rename/",
    "/api/v1/fleets/",
    "/api/v1/fleets/{sid}/",
    "/api/v1/naps/",
    "/api/v1/naps/{sid}/",
    "/api/v1/naps/{sid}/networks/",
    "/api/v1/naps/{sid}/networks/{network_sid}/",
    "/api/v1/networks/",
    "/api/v1/networks/{sid}/",
    "/api/v1/esim-profiles/",
    "/api/v1/esim-profiles/{sid}/",
    "/api/v1/esim-profiles/{sid}/activation-code/",
    "/api/v1/sms-commands/",
    "/api/v1/sms-commands/{sid}/",
    "/api/v1/ip-commands/",
    "/api/v1/ip-commands/{sid}/",
    "/api/v1/usage/series/",
    "/api/v1/usage/breakdown/{chart}/",
    "/api/v1/jobs/",
    "/api/v1/jobs/{id}/",
    "/api/v1/jobs/{id}/items/",
    "/api/v1/sync-runs/",
    "/api/v1/sync-runs/{id}/",
    "/api/v1/audit-events/",
    "/api/v1/audit-events/{id}/",
}


def generated_schema() -> dict:
    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def test_the_generated_schema_is_valid_openapi_3():
    schema = generated_schema()
    validate_schema(schema)  # drf-spectacular's own check (raises on an invalid schema)
    validate_spec(schema)  # openapi-spec-validator
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == EXPECTED_PATHS
    sims = schema["paths"]["/api/v1/sims/"]["get"]
    assert {p["name"] for p in sims["parameters"]} >= {
        "q",
        "status",
        "fleet",
        "nap",
        "removed",
        "cursor",
        "fields",
    }
    assert sims["responses"]["401"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "sessionAuth"}


@pytest.mark.django_db
def test_schema_endpoint_serves_it_to_a_token(viewer):
    from rest_framework.test import APIClient

    _, secret = token_create(user=viewer, name="schema", scope="read")
    client = APIClient()
    assert client.get("/api/v1/schema/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert set(json.loads(response.content)["paths"]) == EXPECTED_PATHS


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
    synced, live_server, admin_member, settings
):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    settings.API_THROTTLE_RATE = "100000/min"
    _, secret = token_create(user=admin_member, name="schemathesis", scope="write")
    # no keep-alive: a connection left open would outlive the live server's database connection
    headers = {"Authorization": f"Bearer {secret}", "Connection": "close"}
    schema = schemathesis.openapi.from_dict(generated_schema())
    checks = [
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
        content_type_conformance,
    ]
    failures: list[str] = []
    calls = 0
    statuses: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hsettings(
            max_examples=6,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            nonlocal calls
            calls += 1
            try:
                response = case.call_and_validate(base_url=live_server.url, headers=headers, checks=checks)
                statuses.append(f"{case.method} {response.status_code}")
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then assert
                failures.append(f"{case.operation.label}: {str(exc)[:800]}")

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - hypothesis re-raises what schemathesis recorded
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert calls > 60
    # the run reached real answers, not only refusals (about 200 calls: ~50 GET 200, ~8 POST 201)
    assert "GET 200" in statuses and "POST 201" in statuses
    assert failures == []
