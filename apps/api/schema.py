"""drf-spectacular post-processing: every operation documents its problem+json error answers."""

from __future__ import annotations

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
        "api_status": {"type": "integer", "nullable": True},
        "api_code": {"type": "integer", "nullable": True},
    },
    "required": ["type", "title", "status", "detail"],
}
ERRORS = {
    "400": "Invalid input",
    "401": "No valid token or session",
    "403": "Role or token scope does not allow it",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "415": "Unsupported media type",
    "422": "Refused (e.g. a status change not allowed now)",
    "429": "Too many requests (per token)",
    "502": "The Super SIM API failed",
}
READ_ERRORS = ("400", "401", "403", "404", "405", "406", "429")


def add_problem_responses(result, generator, request, public):
    """Document the problem+json errors; and since ``?fields=`` may drop any field of an answer, no field of
    a resource's answer schema is "required" (request bodies and page envelopes keep theirs)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in components.items():
        if name.endswith("Request") or name.startswith("Paginated") or not isinstance(component, dict):
            continue
        component.pop("required", None)
        if component.get("description", "").startswith("A serializer that keeps only"):
            component.pop("description")  # the ?fields= mixin's docstring, not the resource's
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            codes = READ_ERRORS if method == "get" else tuple(ERRORS)
            for code in codes:
                responses.setdefault(code, {"description": ERRORS[code], "content": ref})
    return result


def _register_auth_extensions() -> None:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class BearerTokenScheme(OpenApiAuthenticationExtension):
        target_class = "apps.api.auth.ApiTokenAuthentication"
        name = "bearerAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "http", "scheme": "bearer", "description": "A personal token (/api/v1/tokens/)."}

    class DashboardSessionScheme(OpenApiAuthenticationExtension):
        target_class = "apps.api.auth.ApiSessionAuthentication"
        name = "sessionAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


_register_auth_extensions()
