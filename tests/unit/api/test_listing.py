"""Large plans: the dashboard and the KR list filter by team and owner and page, in the web
and the API, and the cached plan follows every write (a check-in from another connection
included) — never a stale page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from api_testing import METRICS, PASSWORD, cheap_hashes, login
from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.domain.okr import CheckInSource
from sowhat.services.accounts import Scope, create_user, issue_token
from sowhat.services.checkins import record_checkin
from sowhat.services.files import apply_workspace
from sowhat.services.listing.filters import Pager, paginate
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

TEAMS = ("alpha", "beta", "gamma")
OBJECTIVES = 45  # 15 a team: three dashboard pages of 20 objectives unfiltered


def plan_text() -> str:
    out = ["period: 2026-Q4", "objectives:"]
    for n in range(OBJECTIVES):
        team = TEAMS[n % 3]
        out += [f"  - id: {team}/o{n:02d}",
                f"    title: Customers of {team} get value number {n:02d}",
                f"    team: {team}", f"    owner: lead{n % 5}@example.com",
                "    key_results:"]
        for i in range(3):
            owner = f"    owner: kr{(n + i) % 4}@example.com" if i < 2 else None
            out += [f"      - id: k{n:02d}-{i}",
                    f"        title: Raise weekly reports read by admins {n:02d}-{i} from 10 to 20"]
            if owner:
                out.append("    " + owner)
            out += ["        baseline: 10", "        target: 20"]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, TestClient, str]]:
    root = tmp_path_factory.mktemp("big") / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(plan_text(), encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    teams = "".join(f'[teams.{t}]\nname = "{t.title()}"\n' for t in TEAMS)
    (root / "sowhat.toml").write_text(f'[workspace]\nname = "Big"\n{teams}', encoding="utf-8")
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(root), create=True)
    with cheap_hashes(), db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="test")
        create_user(session=session, email="boss@example.com", password=PASSWORD,
                    is_admin=True, actor="test")
        token = issue_token(session=session, email="boss@example.com", scope=Scope.READ,
                            actor="test").token
    db.dispose()
    client = TestClient(create_app(ServerSettings(workspace=root)))
    with client, cheap_hashes():
        login(client, "boss@example.com")
        yield root, client, token
    client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]


def objective_ids(html: str) -> list[str]:
    return re.findall(r'href="/periods/2026-Q4/objectives/([a-z]+/o\d\d)"', html)


def kr_ids(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/periods/2026-Q4/key-results/(k[\d-]+)"', html)


def test_dashboard_pages_through_every_objective_once(big: tuple[Path, TestClient, str]) -> None:
    _, client, _ = big
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/periods/2026-Q4?page={page}").text
        ids = objective_ids(html)
        assert len(ids) == (20 if page < 3 else 5)
        seen += ids
        assert f"Objectives {(page - 1) * 20 + 1}–{min(page * 20, 45)} of 45" in html
        assert re.search(rf'aria-current="page"><span class="visually-hidden">Page </span>{page}<',
                         html)
    assert sorted(seen) == sorted(f"{TEAMS[n % 3]}/o{n:02d}" for n in range(OBJECTIVES))
    # a page past the end shows the last one; nonsense is page 1
    assert objective_ids(client.get("/periods/2026-Q4?page=99").text) == seen[40:]
    assert objective_ids(client.get("/periods/2026-Q4?page=x").text) == seen[:20]


def test_team_and_owner_filters_and_links_that_keep_them(
        big: tuple[Path, TestClient, str]) -> None:  # fmt: skip
    _, client, _ = big
    html = client.get("/periods/2026-Q4?team=beta").text
    ids = objective_ids(html)
    assert len(ids) == 15
    assert all(i.startswith("beta/") for i in ids)
    assert "Objectives 1–15 of 15" in html
    assert '<option value="beta" selected>' in html
    assert "0 / 45" in html  # check-ins this week over the filtered KRs only
    assert 'href="/periods/2026-Q4/key-results?team=beta"' in html
    # owner: of the objective, or of one of its KRs; case does not matter
    html = client.get("/periods/2026-Q4?owner=KR3@example.com").text
    expected = {f"{TEAMS[n % 3]}/o{n:02d}" for n in range(OBJECTIVES)
                if any((n + i) % 4 == 3 for i in range(2))}
    assert set(objective_ids(html)) <= expected
    assert f"of {len(expected)}" in html
    both = client.get("/periods/2026-Q4?team=alpha&owner=lead0@example.com").text
    assert set(objective_ids(both)) == {f"alpha/o{n:02d}" for n in range(0, 45, 15)}
    none = client.get("/periods/2026-Q4?team=alpha&owner=nobody@example.com").text
    assert "No objective matches these filters" in none


def test_kr_list_filters_pages_and_keeps_filters_in_pager_links(
        big: tuple[Path, TestClient, str]) -> None:  # fmt: skip
    _, client, _ = big
    first = client.get("/periods/2026-Q4/key-results?team=gamma").text
    assert len(kr_ids(first)) == 45  # 15 objectives x 3 KRs on one page of 50
    every = client.get("/periods/2026-Q4/key-results").text
    assert "Key results 1–50 of 135" in every
    assert 'href="/periods/2026-Q4/key-results?page=2" rel="next"' in every
    owned = client.get("/periods/2026-Q4/key-results?owner=kr1@example.com").text
    # KRs owned by kr1, plus none whose objective kr1 owns (kr1 owns no objective)
    expect = {f"k{n:02d}-{i}" for n in range(OBJECTIVES) for i in range(2) if (n + i) % 4 == 1}
    assert set(kr_ids(owned)) == expect
    # the owner column breaks an e-mail only before its "@", never mid-word
    assert '<td class="owner">kr1<wbr>@example.com</td>' in owned
    # the third KR of each objective names no owner: the objective's owner owns it
    lead = client.get("/periods/2026-Q4/key-results?owner=lead2@example.com&team=gamma").text
    assert set(kr_ids(lead)) == {f"k{n:02d}-2" for n in range(OBJECTIVES)
                                 if n % 3 == 2 and n % 5 == 2}
    # the pager's links keep both filters
    two = client.get("/periods/2026-Q4/key-results?team=beta&owner=kr2@example.com").text
    assert "Key results 1–" in two
    assert 'href="/periods/2026-Q4?team=beta&amp;owner=kr2%40example.com"' in two


def test_api_lists_filter_by_team_and_owner(big: tuple[Path, TestClient, str]) -> None:
    _, client, token = big
    auth = {"Authorization": f"Bearer {token}"}
    krs = client.get("/api/v1/periods/2026-Q4/key-results?team=alpha&limit=200",
                     headers=auth).json()
    assert krs["total"] == 45
    assert {k["objective"].split("/")[0] for k in krs["items"]} == {"alpha"}
    owned = client.get("/api/v1/periods/2026-Q4/key-results?owner=kr0@example.com&limit=200",
                       headers=auth).json()
    assert {k["id"] for k in owned["items"]} == {
        f"k{n:02d}-{i}" for n in range(OBJECTIVES) for i in range(2) if (n + i) % 4 == 0}
    objs = client.get("/api/v1/periods/2026-Q4/objectives?owner=lead1@example.com&limit=2",
                      headers=auth).json()
    assert objs["total"] == 9
    assert len(objs["items"]) == 2


def test_a_check_in_from_another_connection_shows_at_once(
        big: tuple[Path, TestClient, str]) -> None:  # fmt: skip
    root, client, token = big
    auth = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/periods/2026-Q4/key-results?objective=gamma/o44"
    before = {k["id"]: k["current"] for k in client.get(url, headers=auth).json()["items"]}
    assert before["k44-0"] is None
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(root), create=False)  # not the server's engine
    with db.transaction() as session:
        record_checkin(session=session, kr_id="k44-0", period="2026-Q4", value=13.5,
                       confidence=0.6, note="moving", blockers=None,
                       source=CheckInSource.MANUAL, actor="kr0@example.com",
                       week=date(2026, 11, 9))  # fmt: skip
    db.dispose()
    after = {k["id"]: k["current"] for k in client.get(url, headers=auth).json()["items"]}
    assert after["k44-0"] == 13.5
    page = client.get("/periods/2026-Q4/key-results?team=gamma").text
    assert "13.5" in page


def test_pager_window_and_paginate_edges() -> None:
    assert Pager(1, 20, 0).pages == 1
    assert Pager(5, 10, 200).window() == [1, None, 3, 4, 5, 6, 7, None, 20]
    assert Pager(1, 10, 30).window() == [1, 2, 3]
    items, pager = paginate(list(range(45)), page=3, per_page=20)
    assert items == list(range(40, 45))
    assert (pager.first, pager.last) == (41, 45)
    items, pager = paginate([], page=2, per_page=20)
    assert items == []
    assert (pager.page, pager.first) == (1, 0)
