"""Filters by team and owner, and pages, for lists of objectives and key results.

An objective matches an owner when the person owns it or one of its key results; a key
result matches when the person owns it, or owns its objective and the KR names no owner of
its own (the owner people see on it). Owners compare case-insensitively, as logins do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import TypeVar

from sowhat.services.plans import KeyResultStatus, ObjectiveStatus

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "Pager", "kr_matches", "objective_matches",
           "paginate"]

T = TypeVar("T")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Pager:
    """Where one page sits in a list: 1-based page number, of `pages`."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first(self) -> int:  # 1-based index of the page's first item (0 when empty)
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    def window(self, width: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last, and `width` around the current one;
        None marks a gap ("…")."""
        wanted = {1, self.pages, *range(self.page - width, self.page + width + 1)}
        shown = sorted(p for p in wanted if 1 <= p <= self.pages)
        out: list[int | None] = []
        for p in shown:
            if out and p - (out[-1] or 0) > 1:
                out.append(None)
            out.append(p)
        return out


def paginate(items: Sequence[T], *, page: int, per_page: int) -> tuple[list[T], Pager]:
    """One page of `items`; a page past the end shows the last page (a list that shrank
    under a bookmarked link still shows something)."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    pager = Pager(1, per_page, len(items))
    pager = Pager(min(max(page, 1), pager.pages), per_page, len(items))
    start = (pager.page - 1) * per_page
    return list(items[start:start + per_page]), pager


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.strip().lower() == b.strip().lower()


def kr_matches(kr: KeyResultStatus, objective: ObjectiveStatus, *, team: str | None,
               owner: str | None) -> bool:  # fmt: skip
    if team and objective.team != team:
        return False
    return not owner or _same(kr.owner or objective.owner, owner)


def objective_matches(objective: ObjectiveStatus, *, team: str | None,
                      owner: str | None) -> bool:  # fmt: skip
    if team and objective.team != team:
        return False
    if not owner:
        return True
    return _same(objective.owner, owner) or any(
        _same(k.owner or objective.owner, owner) for k in objective.key_results)
