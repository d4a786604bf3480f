"""The one base class of every refusal the domain raises (docs/design.md §14).

Plain Python, no Django: the pure modules (taxonomy, metadata, segment and iMiGUE import) raise
these too. Each error carries

- ``code``: a stable, machine-readable name (snake_case) that clients may branch on; messages are
  for people and may change;
- ``kind``: what the refusal means, independent of HTTP: the request is ``invalid``, the thing it
  names is ``not_found``, it ``conflict``s with the current state, or it is ``forbidden`` to
  this caller. ``api.errors`` maps kinds to 400 / 404 / 409 / 403;
- ``fields()``: extra JSON-ready facts a client needs to recover (the rule broken, the clips that
  block a release, the offset an upload must resume at);
- ``current``: for a stale write, the row as it is now (the API serializes it).

A service error class sets ``code`` and ``kind`` once; an instance may name a finer ``code``.
"""

from __future__ import annotations

from typing import Any, ClassVar

INVALID = "invalid"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
FORBIDDEN = "forbidden"
KINDS = (INVALID, NOT_FOUND, CONFLICT, FORBIDDEN)


class DomainError(Exception):
    """A refusal with a stable ``code`` and an HTTP-neutral ``kind`` (see the module doc)."""

    code: ClassVar[str] = "invalid"
    kind: ClassVar[str] = INVALID
    # The row as it is now, for a stale write (set by conflict errors); None otherwise.
    current: Any = None

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            # An instance attribute shadows the class's default for this one refusal.
            self.code = code  # type: ignore[misc]

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def fields(self) -> dict[str, Any]:
        """Extra JSON-ready facts for the client, beside the message and the code."""
        return {}


class RuleError(DomainError):
    """A refusal that names the rule it applies; ``rule`` is part of the body clients read,
    and the code is ``<prefix>_<rule>`` so that each rule has its own stable code."""

    prefix: ClassVar[str] = "rule"

    def __init__(self, rule: str, message: str):
        super().__init__(message, code=f"{self.prefix}_{rule}")
        self.rule = rule

    def fields(self) -> dict[str, Any]:
        return {"rule": self.rule}
