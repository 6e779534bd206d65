"""Schemathesis over the whole OpenAPI, with a write token: no 5xx, and every response
conforms to the schema (status declared, body shaped as declared, content type right).

Bounded for CI: EXAMPLES cases per operation (SOWHAT_FUZZ_EXAMPLES raises it for a long
run). Reads and writes go to one app on a copy of the test workspace, so writes accumulate
(check-ins created, titles edited) and later reads see them — as in real use.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_testing import client_for, read_tokens
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SOWHAT_FUZZ_EXAMPLES", "25"))
# Real ids, so most requests reach an object (random text mostly finds 404s).
KNOWN = {
    "period": st.just("2026-Q4"),
    "kr_id": st.sampled_from(["activation", "nps-manual", "report-speed"]),
    "objective_id": st.sampled_from(["growth/first-week-win", "platform/fast-reports"]),
    "bet_id": st.sampled_from(["checklist", "cache"]),
    "week": st.sampled_from(["2026-11-02", "2026-11-09", "2026-10-05"]),
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_app(_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("fuzz") / "ws"
    shutil.copytree(_template, root)
    client = client_for(root)
    with client:
        yield client.app, read_tokens(root)
    client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]


def _operations(app: Any) -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # The monthly review answers 501 by design until it is served over HTTP (issue 11).
    return [op for op in operations if not op.path.endswith("/reviews/monthly")]


def test_every_operation_survives_fuzzing_with_a_write_token(fuzz_app: Any) -> None:
    app, tokens = fuzz_app
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    operations = _operations(app)
    assert len(operations) >= 15  # the whole API, not a corner of it
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy(), etag=st.sampled_from(['"1"', '"2"', "*", None]),
               real=st.booleans(), data=st.data())
        def run(case: Any, etag: str | None, real: bool, data: st.DataObject) -> None:
            if real and case.path_parameters:
                for name in list(case.path_parameters):
                    if name in KNOWN:
                        case.path_parameters[name] = data.draw(KNOWN[name])
            extra = dict(headers)
            if etag is not None and case.method.upper() in {"PUT", "PATCH"}:
                extra.setdefault("If-Match", etag)
            response = case.call(headers={**extra, **(case.headers or {})})
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # collect, so one run reports every broken operation
                failures.append(f"{case.method} {case.formatted_path}: "
                                f"{type(exc).__name__}: {str(exc)[:400]}")  # fmt: skip

        run()
    total = sum(statuses.values())
    print(f"schemathesis: {len(operations)} operations, {total} requests, "
          f"statuses {dict(sorted(statuses.items()))}")  # fmt: skip
    assert not failures, "\n".join(failures[:20])
    assert all(status < 500 for status in statuses)
    assert total >= len(operations) * 2
    assert statuses[200] + statuses[201] >= len(operations)  # it reached real objects
