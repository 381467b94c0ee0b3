"""The platform's one domain error and the decision that carries a refusal.

A question of the policy, the workflow or a money rule is answered by a `Decision` with
reasons a person can read; a refused action raises `ActionRefused`. Its `code` tells the
interfaces how to answer: `not_found` (404), `forbidden` (403), `wrong_state` and
`conflict` (409), `invalid` (400); `core.api` maps it for the API, the pages' views for
HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
WRONG_STATE = "wrong_state"
CONFLICT = "conflict"
INVALID = "invalid"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...] = ()
    code: str = ""
    # Field-bound messages for bad input (e.g. {"approved_grant": ["..."]}).
    fields: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        return " ".join(str(r) for r in self.reasons)

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise ActionRefused(self.reasons, code=self.code, fields=self.fields)


ALLOWED = Decision(True)


def refuse(code: str, *reasons: str, fields: dict[str, list[str]] | None = None) -> Decision:
    return Decision(False, tuple(str(r) for r in reasons), code, fields or {})


class ActionRefused(Exception):
    """An action refused by the policy, the workflow or a money rule, with its reasons."""

    def __init__(self, reasons, *, code: str = CONFLICT, fields=None):
        if isinstance(reasons, str):
            reasons = (reasons,)
        self.reasons = tuple(str(r) for r in reasons)
        self.code = code
        self.fields = fields or {}
        super().__init__(" ".join(self.reasons))


class NotFound(Http404):
    """A 404 whose message is written for the person who asked ("This report has no
    file to download."): the 404 page shows it (`core.error_pages`). A plain Http404's
    message may name models or paths and is never shown."""
