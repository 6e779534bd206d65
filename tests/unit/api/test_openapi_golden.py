"""The OpenAPI schema is a contract: changes show up as a reviewed diff of a golden file.

Regenerate after an intended change with `SOWHAT_UPDATE_GOLDEN=1 pytest tests/unit/api`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from api_testing import Env

GOLDEN = Path(__file__).parent / "golden" / "openapi.json"


def test_openapi_schema_matches_the_golden_file(env: Env) -> None:
    schema = env.client.get("/api/openapi.json").json()
    schema["info"].pop("version", None)  # the package version is not part of the contract
    text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if os.environ.get("SOWHAT_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), "run with SOWHAT_UPDATE_GOLDEN=1 to create the golden file"
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the API schema changed; if intended, regenerate with SOWHAT_UPDATE_GOLDEN=1 and "
        "review the diff of tests/unit/api/golden/openapi.json"
    )
