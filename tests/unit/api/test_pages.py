"""The pages a person uses: login, check-in, the coach as they type, the KR page, the board."""

from __future__ import annotations

import re

from api_testing import PASSWORD, PERIOD, USERS, Env, login

from sowhat.services.accounts import LOGIN_LIMIT


def test_login_sets_an_httponly_lax_cookie_and_logout_ends_the_session(env: Env) -> None:
    page = env.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = env.client.post("/login", data={"email": USERS["admin"][0], "password": PASSWORD,
                                        "csrf_token": token[1], "next": "//evil.example/x"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    dash = env.client.get("/")
    assert dash.status_code == 200
    assert "Objectives" in dash.text
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', dash.text)
    assert csrf
    out = env.client.post("/logout", data={"csrf_token": csrf[1]}, follow_redirects=False)
    assert out.status_code == 303
    env.client.cookies.set("sowhat_session", r.cookies["sowhat_session"])  # replay the old cookie
    assert env.client.get("/", follow_redirects=False).status_code == 303


def test_too_many_failed_logins_answer_429(env: Env) -> None:
    statuses = []
    for _ in range(LOGIN_LIMIT + 1):
        token = re.search(r'name="csrf_token" value="([^"]+)"', env.client.get("/login").text)
        assert token
        r = env.client.post("/login", data={"email": USERS["viewer"][0], "password": "nope-nope",
                                            "csrf_token": token[1]})
        statuses.append(r.status_code)
    assert statuses == [401] * LOGIN_LIMIT + [429]


def test_checkin_form_records_and_shows_the_new_progress(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    page = env.client.get(f"/periods/{PERIOD}/check-in")
    assert "Lift the onboarding survey score" in page.text  # a growth KR they edit
    assert "Cut the median report load time" not in page.text  # platform's
    r = env.client.post(f"/periods/{PERIOD}/check-in/nps-manual",
                        data={"value": "7", "confidence": "70", "note": "survey v2 live",
                              "version": "0", "csrf_token": csrf},
                        headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "Check-in saved" in r.text
    assert 'aria-valuenow="50"' in r.text  # (7 - 6) / (8 - 6)
    again = env.client.post(f"/periods/{PERIOD}/check-in/nps-manual",
                            data={"value": "8", "version": "0", "csrf_token": csrf},
                            headers={"HX-Request": "true"})
    assert again.status_code == 409  # a stale form: the page says so instead of overwriting
    assert "changed after you opened the page" in again.text
    assert "What you typed (8) was not saved" in again.text
    assert f'href="/periods/{PERIOD}/check-in">reload the page</a>' in again.text
    assert 'name="version" value="1"' in again.text  # the form now holds the stored version
    assert 'value="7.0"' in again.text  # ... and the stored value to decide about


def test_a_refused_checkin_keeps_what_was_typed_and_says_why(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    r = env.client.post(f"/periods/{PERIOD}/check-in/nps-manual",
                        data={"value": "abc", "confidence": "42", "note": "typo here",
                              "version": "0", "csrf_token": csrf},
                        headers={"HX-Request": "true"})
    assert r.status_code == 400
    assert '<article class="card checkin-card"' in r.text  # a fragment htmx swaps in
    assert "Not saved:" in r.text
    assert "&#39;abc&#39; is not a number" in r.text
    assert 'value="abc"' in r.text
    assert 'aria-invalid="true"' in r.text
    assert ">typo here</textarea>" in r.text
    assert 'value="42"' in r.text  # any whole number is a confidence, not only steps of 5
    too_sure = env.client.post(f"/periods/{PERIOD}/check-in/nps-manual",
                               data={"value": "7", "confidence": "140", "version": "0",
                                     "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert too_sure.status_code == 400
    assert "confidence 140 is not between 0 and 100" in too_sure.text
    page = env.client.get(f"/periods/{PERIOD}/check-in")
    assert 'step="1"' in page.text
    assert 'step="5"' not in page.text
    assert '<script src="/static/sowhat.js" defer>' in page.text  # swaps 4xx fragments
    assert env.client.get("/static/sowhat.js").status_code == 200


def test_coach_panel_flags_an_output_kr_with_a_suggestion(env: Env) -> None:
    csrf = login(env.client, USERS["viewer"][0])
    r = env.client.post("/coach", data={"title": "Ship audit logs"},
                        headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert r.status_code == 200
    assert "SW101" in r.text
    assert "Try:" in r.text
    outcome = "Increase weekly active teams from 1000 to 1200"
    clean = env.client.post("/coach", data={"title": outcome},
                            headers={"X-CSRF-Token": csrf})
    assert "SW101" not in clean.text


def test_kr_page_has_the_chart_the_title_form_and_the_history(env: Env) -> None:
    login(env.client, USERS["editor_own"][0])
    r = env.client.get(f"/periods/{PERIOD}/key-results/activation")
    assert r.status_code == 200
    assert '<svg class="kr-chart"' in r.text
    assert 'class="baseline"' in r.text
    assert 'class="target"' in r.text
    assert 'hx-trigger="keyup changed delay:300ms"' in r.text
    assert "History" in r.text


def test_the_dashboard_and_plan_give_the_periods_last_day(env: Env) -> None:
    login(env.client, USERS["viewer"][0])
    for path in ("/", f"/periods/{PERIOD}/plan"):
        page = env.client.get(path).text
        assert "01 Oct – 31 Dec 2026" in page, path
        assert "01 Jan 2027" not in page, path


def test_the_chart_legend_keys_only_what_the_chart_draws(env: Env) -> None:
    csrf = login(env.client, USERS["admin"][0])

    def legend() -> str:
        page = env.client.get(f"/periods/{PERIOD}/key-results/activation").text
        return page.split('<p class="legend small">')[1].split("</p>")[0]

    assert "bet launch" not in legend()  # no bet of this KR has shipped
    env.client.post(f"/periods/{PERIOD}/bets/checklist/status",
                    data={"status": "shipped", "version": "1", "csrf_token": csrf})
    assert "bet launch" in legend()


def test_kr_title_edit_saves_and_a_viewer_sees_no_form(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    page = env.client.get(f"/periods/{PERIOD}/key-results/activation")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    r = env.client.post(f"/periods/{PERIOD}/key-results/activation/title",
                        data={"title": "Raise 7-day activation of new accounts from 40% to 46%",
                              "version": version[1], "csrf_token": csrf})
    assert r.status_code == 200
    assert "Saved." in r.text
    assert "Raise 7-day activation of new accounts" in r.text
    env.client.cookies.clear()
    login(env.client, USERS["viewer"][0])
    viewer_page = env.client.get(f"/periods/{PERIOD}/key-results/activation")
    assert "/activation/title" not in viewer_page.text
    assert "Only editors of growth" in viewer_page.text


def test_bets_board_moves_a_bet_along_its_flow(env: Env) -> None:
    csrf = login(env.client, USERS["admin"][0])
    r = env.client.post(f"/periods/{PERIOD}/bets/checklist/status",
                        data={"status": "shipped", "version": "1", "csrf_token": csrf})
    assert r.status_code == 200
    assert "Moved “Onboarding checklist” to <strong>shipped</strong>." in r.text
    lanes = re.findall(r'<section class="lane lane-(\w+)".*?</section>', r.text, re.S)
    assert lanes == ["idea", "discovery", "building", "shipped", "stopped"]
    shipped = r.text.split('class="lane lane-shipped"')[1].split("</section>")[0]
    assert "Onboarding checklist" in shipped
    assert r.text.count("<h3 id=\"bet-h-checklist\">") == 1  # each bet once
    assert "Expected to move <a href=\"/periods/2026-Q4/key-results/activation\">Increase" \
        in shipped  # the KR's title, not its id
    stale = env.client.post(f"/periods/{PERIOD}/bets/checklist/status",
                            data={"status": "stopped", "version": "1", "csrf_token": csrf})
    assert stale.status_code == 409
    assert "changed after you opened the page" in stale.text


def test_every_page_renders_for_every_role(env: Env) -> None:
    for role in ("admin", "editor_other", "viewer"):
        env.client.cookies.clear()
        login(env.client, USERS[role][0])
        for path in ("/", f"/periods/{PERIOD}",
                     f"/periods/{PERIOD}/objectives/growth/first-week-win",
                     f"/periods/{PERIOD}/key-results/report-speed", f"/periods/{PERIOD}/bets",
                     f"/periods/{PERIOD}/check-in", "/check-in", f"/periods/{PERIOD}/alignment",
                     "/audit", f"/audit?key_prefix={PERIOD}/activation", "/metrics",
                     "/bets", "/alignment"):
            r = env.client.get(path)
            assert r.status_code == 200, (role, path, r.text[:300])
            assert 'id="main"' in r.text


def test_unknown_objects_render_an_error_page(env: Env) -> None:
    login(env.client, USERS["viewer"][0])
    r = env.client.get(f"/periods/{PERIOD}/key-results/nope")
    assert r.status_code == 404
    assert "no key result" in r.text
    assert "<html" in r.text


def test_pages_carry_security_headers(env: Env) -> None:
    login(env.client, USERS["viewer"][0])
    r = env.client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text  # no inline scripts for the CSP to block
    static = env.client.get("/static/sowhat.css")
    assert "no-store" not in static.headers.get("cache-control", "")


def test_checkin_form_questions_a_value_in_the_wrong_scale(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    url = f"/periods/{PERIOD}/check-in/nps-manual"  # 6 -> 8, no metric
    r = env.client.post(url, data={"value": "700", "version": "0", "csrf_token": csrf},
                        headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert "does not fit" in r.text
    assert 'name="force"' in r.text  # possible, so the person may insist
    forced = env.client.post(url, data={"value": "700", "version": "0", "csrf_token": csrf,
                                        "force": "1"}, headers={"HX-Request": "true"})
    assert forced.status_code == 200
    assert "Check-in saved" in forced.text


def test_checkin_form_refuses_an_impossible_rate(env: Env) -> None:
    csrf = login(env.client, USERS["admin"][0])
    url = f"/periods/{PERIOD}/check-in/activation"  # a conversion, 40% -> 46%
    r = env.client.post(url, data={"value": "36", "version": "0", "csrf_token": csrf,
                                   "force": "1"}, headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert "did you mean 0.36?" in r.text
    assert 'name="force"' not in r.text  # impossible: no way to insist
    typed = env.client.post(url, data={"value": "36%", "version": "0", "csrf_token": csrf},
                            headers={"HX-Request": "true"})
    assert typed.status_code == 200  # "36%" says what it means: 0.36
    assert "Check-in saved: 36%" in typed.text
def test_review_pages_show_the_report_and_offer_it_as_files(env: Env) -> None:
    login(env.client, USERS["viewer"][0])
    for kind in ("weekly", "quarter"):
        page = env.client.get(f"/periods/{PERIOD}/reviews/{kind}")
        assert page.status_code == 200, page.text[:500]
        assert '<div class="report-embed">' in page.text
        assert f'href="/periods/{PERIOD}/reviews/{kind}/download?format=pdf"' in page.text
        html = env.client.get(f"/periods/{PERIOD}/reviews/{kind}/download?format=html")
        assert html.status_code == 200
        assert html.headers["content-disposition"] == \
            f'attachment; filename="sowhat-{kind}-{PERIOD}.html"'
        assert html.text.startswith("<!doctype html>")
        assert "<style>" in html.text
    qbr = env.client.get(f"/periods/{PERIOD}/reviews/quarter")
    assert "Increase 7-day activation from 40% to 46%" in qbr.text
    assert "What carries over" in qbr.text
    md = env.client.get(f"/periods/{PERIOD}/reviews/weekly/download?format=md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith(f"# Weekly review · {PERIOD}")
    pdf = env.client.get(f"/periods/{PERIOD}/reviews/quarter/download?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert env.client.get(f"/periods/{PERIOD}/reviews/yearly").status_code == 400
    assert env.client.get(
        f"/periods/{PERIOD}/reviews/weekly/download?format=docx").status_code == 400


def test_a_plan_without_guardrails_is_not_shown_as_all_measured_and_unbreached(env: Env) -> None:
    """The tile read "0 breached · all measured" over a plan that sets no guardrail."""
    login(env.client, USERS["admin"][0])
    page = env.client.get("/").text
    tile = page.split("<h2>Guardrails</h2>")[1].split("</div>")[0]
    assert "data-no-guardrails>none set<" in tile
    assert "breached" not in tile
    assert "all measured" not in tile
