"""One exception handler for the whole API (docs/design.md §14).

Services raise :class:`annotator.errors.DomainError` subclasses; this maps their kind to a status
and answers ``{"detail": message, "code": code}`` plus the error's own fields (``rule``,
``clips``, ``expected_offset``) and, for a stale write, ``current``: the row as it is now, in the
shape the endpoint itself answers with. DRF's own errors (authentication, permissions, 404s,
request parsing) keep their bodies; those that are a bare ``{"detail": ...}`` gain the ``code``
too, so every error a client sees can be told apart by code.
"""

from __future__ import annotations

from typing import Any

from django.db import DataError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotator import errors
from annotator.models import ReviewDecision, Segment
from api.serializers import ReviewDecisionSerializer, SegmentSerializer

STATUS = {
    errors.INVALID: status.HTTP_400_BAD_REQUEST,
    errors.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    errors.CONFLICT: status.HTTP_409_CONFLICT,
    errors.FORBIDDEN: status.HTTP_403_FORBIDDEN,
}


class BadRequest(APIException):
    """A request the view cannot even hand to a service (a required parameter missing); raise
    it with a ``code`` of its own."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request is not valid."
    default_code = "bad_request"


# A stale write's ``current`` row, in the shape its endpoint answers with.
CURRENT_SHAPES = {Segment: SegmentSerializer, ReviewDecision: ReviewDecisionSerializer}


def domain_error_body(exc: errors.DomainError) -> dict[str, Any]:
    body = {"detail": exc.message, "code": exc.code, **exc.fields()}
    if exc.current is not None:
        body["current"] = CURRENT_SHAPES[type(exc.current)](exc.current).data
    return body


# A number the database cannot hold (an id or frame of 2**63 and up): SQLite cannot bind it
# (OverflowError), PostgreSQL refuses it (DataError). It is the request's fault, never a 500.
OUT_OF_RANGE = (OverflowError, DataError)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, errors.DomainError):
        return Response(domain_error_body(exc), status=STATUS[exc.kind])
    if isinstance(exc, OUT_OF_RANGE):
        body = {"detail": "a number in the request is out of range", "code": "out_of_range"}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and isinstance(response.data, dict)
        and set(response.data) == {"detail"}
    ):
        code = getattr(response.data["detail"], "code", None)
        if code:
            response.data["code"] = code
    return response
