"""One exception tree for the whole package.

    SowhatError
     ├── UserError            something the person can fix: bad file, unknown name, stale edit
     │    ├── SpecError       one or more located diagnostics from the OKR/metric files
     │    ├── NotFound        an id that does not exist
     │    ├── Conflict        an edit based on a stale version (optimistic concurrency)
     │    ├── Forbidden       the actor may not change this object
     │    ├── Busy            another writer holds the database; retry shortly
     │    └── DataError       events or a database that cannot answer the question asked
     └── InternalError        a bug in Sowhat; shells show it with a request to report it

Each shell (CLI, API, web) has a single handler that turns these into its own output shape,
so services raise and never print.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in which file a problem sits; 1-based line and column like editors show."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col or 1}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    """A problem found in a file, with the fix a person should apply."""

    location: Location
    message: str
    hint: str | None = None
    code: str = "spec"
    severity: str = "error"

    def render(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return text


class SowhatError(Exception):
    """Base of every error Sowhat raises on purpose."""


class UserError(SowhatError):
    """A problem the user can fix; `hint` says how."""

    exit_code = 1
    status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class SpecError(UserError):
    """The workspace files do not validate; carries every diagnostic, not only the first."""

    status = 422

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        if not diagnostics:
            raise ValueError("SpecError needs at least one diagnostic")
        first = diagnostics[0]
        super().__init__(first.render())
        self.diagnostics = diagnostics

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class NotFound(UserError):
    status = 404


class Conflict(UserError):
    status = 409


class Forbidden(UserError):
    status = 403


class DataError(UserError):
    status = 422


class ScaleError(DataError):
    """A typed value that does not fit its KR's scale (36 on a 0–1 rate). `forceable`: it is
    possible, only far off, so the person may insist; otherwise no metric of the kind can
    take it."""

    def __init__(self, message: str, *, hint: str | None = None, forceable: bool) -> None:
        super().__init__(message, hint=hint)
        self.forceable = forceable


class Busy(UserError):
    """Another writer (usually a running `sowhat sync`) held the database past the wait."""

    status = 503
    retry_after = 5  # seconds; the API sends it as Retry-After


class InternalError(SowhatError):
    """A bug: an invariant Sowhat itself should have kept."""
