"""Every error code the API can answer with has a message in both UI catalogues (errors.<code>)."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
API = REPO / "services" / "api" / "labelhive_api"
LOCALES = REPO / "services" / "ui" / "src" / "i18n" / "locales"
CODE = re.compile(r"""\bcode\s*=\s*["']([a-z][a-z0-9_]*)["']""")


def api_error_codes() -> set[str]:
    codes: set[str] = set()
    for path in API.rglob("*.py"):
        codes.update(CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_api_error_code_is_translated() -> None:
    codes = api_error_codes()
    assert len(codes) > 10, "the API's error codes were not found"
    for locale in ("en", "zh-CN"):
        catalogue = json.loads((LOCALES / locale / "errors.json").read_text(encoding="utf-8"))
        missing = sorted(codes - catalogue.keys())
        assert not missing, f"add these keys to services/ui/src/i18n/locales/{locale}/errors.json: {missing}"
