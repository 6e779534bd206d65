"""`sowhat.toml`: the workspace's settings — name, database, event source, teams, webhooks."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sowhat.domain.okr import Team
from sowhat.domain.schedule import ScheduleError, parse_schedule, parse_timezone
from sowhat.errors import Diagnostic, Location, SpecError
from sowhat.spec.event_source import EventSourceSpec

CONFIG_NAME = "sowhat.toml"
DEFAULT_DB = "sqlite:///.sowhat/sowhat.db"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceSection(_Strict):
    name: str = "Sowhat workspace"
    okrs_dir: str = "okrs"
    metrics_file: str = "metrics.yaml"
    tracking_plan: str = "tracking-plan.yaml"


class StoreSection(_Strict):
    url: str = DEFAULT_DB


class TeamSection(_Strict):
    name: str
    parent: str | None = None
    members: list[str] = Field(default_factory=list)


class WebhookSection(_Strict):
    url: str
    events: list[str] = Field(default_factory=lambda: ["guardrail_breached", "checkin_missing"])


class GitSection(_Strict):
    """`sowhat export` may commit what it writes, with the web editors as the commit's authors."""

    commit_exports: bool = False
    message: str = "OKRs: web edits of {periods}"


class ServerSection(_Strict):
    """`sowhat serve` settings that belong with the workspace, not the command line."""

    # Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed: the
    # client address for login limits is then the first untrusted hop from the right.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network, e.g. "
                                 "10.0.0.0/8 or 127.0.0.1") from None  # fmt: skip
        return value


class ScheduleSection(_Strict):
    """Jobs `sowhat serve` runs on its own (see docs/operations.md): wall-clock times in
    `timezone`; None leaves a job to cron or a person."""

    timezone: str = "UTC"
    sync: str | None = None  # sync, then notify the webhooks (as `sowhat sync` does)
    notify: str | None = None  # notify on its own, e.g. a weekly reminder to check in

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            parse_timezone(value)
        except ScheduleError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("sync", "notify")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_schedule(value)
            except ScheduleError as exc:
                raise ValueError(str(exc)) from None
        return value


class Config(_Strict):
    workspace: WorkspaceSection = Field(default_factory=WorkspaceSection)
    store: StoreSection = Field(default_factory=StoreSection)
    server: ServerSection = Field(default_factory=ServerSection)
    events: dict[str, Any] = Field(default_factory=dict)
    teams: dict[str, TeamSection] = Field(default_factory=dict)
    webhooks: list[WebhookSection] = Field(default_factory=list)
    git: GitSection = Field(default_factory=GitSection)
    schedule: ScheduleSection = Field(default_factory=ScheduleSection)

    def team_values(self) -> list[Team]:
        return [
            Team(id=key, name=t.name, parent=t.parent, members=tuple(t.members))
            for key, t in self.teams.items()
        ]

    def database_url(self, root: Path) -> str:
        """The store URL with a relative SQLite path resolved against the workspace."""
        url = self.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            path = url[len(prefix) :]
            if path and path != ":memory:":
                return prefix + str((root / path).resolve())
        return url


_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_config(root: Path) -> Config:
    """Read `sowhat.toml`; a workspace without one uses every default."""
    path = root / CONFIG_NAME
    if not path.exists():
        return Config()
    display = CONFIG_NAME
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecError(
            [Diagnostic(Location(display), "not valid UTF-8", "save the file as UTF-8")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS.search(str(exc))
        where = Location(display, int(m[1]), int(m[2])) if m else Location(display)
        message = _TOML_POS.sub("", str(exc)).strip()
        raise SpecError(
            [Diagnostic(where, f"invalid TOML: {message}", "check the syntax at this position")]
        ) from None
    try:
        config = Config.model_validate(data)
        # `[events]` is read by the metric engine much later; check it now, with a line.
        EventSourceSpec.model_validate(config.events)
        return config
    except ValidationError as exc:
        diags = []
        nested = exc.title == EventSourceSpec.__name__
        for err in exc.errors():
            if nested:
                err = {**err, "loc": ("events", *err["loc"])}
            dotted = ".".join(str(p) for p in err["loc"])
            line = _find_line(raw.decode("utf-8"), [str(p) for p in err["loc"]])
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown setting {dotted!r}"
            else:
                msg = f"{dotted}: {msg}"
            diags.append(
                Diagnostic(Location(display, line, 1), msg, "see docs/configuration.md")
            )
        raise SpecError(diags) from None


def _find_line(text: str, loc: list[str]) -> int:
    """Best-effort line of the last named key in the TOML text (tomllib keeps no positions)."""
    for part in reversed(loc):
        if part.isdigit():
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith(f"{part} ") or stripped.startswith(f"{part}=") or (
                stripped.startswith("[") and stripped.rstrip("]").endswith(part)
            ):
                return number
    return 0
