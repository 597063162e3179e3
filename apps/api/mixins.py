"""``?fields=`` trimming and ETag / If-None-Match on detail answers."""

from __future__ import annotations

import hashlib

import orjson
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

FIELDS_PARAMETER = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Comma-separated field names to keep in each object (unknown names are ignored).",
)


class FieldsSerializerMixin:
    """A serializer that keeps only the fields named in the request's ``?fields=a,b`` (all when absent)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        wanted = request.query_params.get("fields", "") if request is not None else ""
        if request is not None and request.method == "GET" and wanted.strip():
            keep = {name.strip() for name in wanted.split(",") if name.strip()}
            for name in list(self.fields):
                if name not in keep:
                    self.fields.pop(name)


def etag_for(data) -> str:
    return '"' + hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32] + '"'


class ETagRetrieveMixin:
    """``retrieve`` answers with an ``ETag`` (a hash of the body), and 304 with no body when the request's
    ``If-None-Match`` names it (``*`` or a list of tags)."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        return etag_response(request, data)


def etag_response(request, data) -> Response:
    tag = etag_for(data)
    asked = {t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")}
    if tag in asked or "*" in asked:
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(data)
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response
