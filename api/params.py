"""Query parameters the views read by hand (outside a serializer, so that a missing one keeps
the plain ``{"detail", "code"}`` refusal every client already handles).

Every id the database stores is a signed 64-bit integer: a value outside that range is refused
here with a 400, never handed to a query (SQLite cannot bind it, PostgreSQL refuses it).
"""

from __future__ import annotations

from rest_framework.request import Request

from api.errors import BadRequest

MIN_INT, MAX_INT = -(2**63), 2**63 - 1


def _parse(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if MIN_INT <= number <= MAX_INT else None


def int_param(request: Request, name: str, message: str, code: str) -> int:
    """The integer query parameter ``name``; 400 with ``message`` and ``code`` when it is
    missing, not an integer or out of range."""
    number = _parse(request.query_params.get(name, ""))
    if number is None:
        raise BadRequest(message, code=code)
    return number


def optional_int_param(request: Request, name: str) -> int | None:
    """The integer query parameter ``name``, or None when it is absent or empty; 400
    ``invalid_<name>`` when it is not an integer or out of range."""
    value = request.query_params.get(name, "")
    if value == "":
        return None
    number = _parse(value)
    if number is None:
        raise BadRequest(f"{name} must be an integer id", code=f"invalid_{name}")
    return number
