"""Query parameters the views read by hand (outside a serializer, so that a missing one keeps
the plain ``{"detail", "code"}`` refusal every client already handles)."""

from __future__ import annotations

from rest_framework.request import Request

from api.errors import BadRequest


def int_param(request: Request, name: str, message: str, code: str) -> int:
    """The integer query parameter ``name``; 400 with ``message`` and ``code`` when it is
    missing or not an integer."""
    try:
        return int(request.query_params.get(name, ""))
    except ValueError:
        raise BadRequest(message, code=code) from None
