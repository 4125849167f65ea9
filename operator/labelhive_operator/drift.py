"""Is the live object already what we would apply? Pure.

The server adds defaults (a superset) and keeps our values as written, so "every field we set has the
same value live" means an apply would change nothing: no write. A config-hash annotation in every object
we render catches the case the subset test cannot: a field we used to set and no longer do.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CONFIG_HASH = "labelhive.io/config-hash"


def config_hash(obj: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def with_config_hash(obj: dict[str, Any]) -> dict[str, Any]:
    stamped = json.loads(json.dumps(obj))
    annotations = stamped["metadata"].setdefault("annotations", {})
    annotations.pop(CONFIG_HASH, None)
    annotations[CONFIG_HASH] = config_hash(stamped)
    return stamped


def is_subset(wanted: Any, live: Any) -> bool:
    if isinstance(wanted, dict):
        return isinstance(live, dict) and all(k in live and is_subset(v, live[k]) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(live, list)
            and len(wanted) == len(live)
            and all(is_subset(w, v) for w, v in zip(wanted, live, strict=True))
        )
    if isinstance(wanted, bool) or isinstance(live, bool):
        return wanted is live
    if isinstance(wanted, int | float) and isinstance(live, int | float):
        return wanted == live
    return wanted == live


def up_to_date(wanted: dict[str, Any], live: dict[str, Any] | None) -> bool:
    if not live:
        return False
    return is_subset({k: v for k, v in wanted.items() if k != "status"}, live)


def first_difference(wanted: Any, live: Any, path: str = "") -> str | None:
    """Where `wanted` is not a subset of `live` (for the log line that explains a write), or None."""
    if isinstance(wanted, dict):
        if not isinstance(live, dict):
            return path or "."
        for key, value in wanted.items():
            if key == "status":
                continue
            if key not in live:
                return f"{path}.{key}"
            found = first_difference(value, live[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(wanted, list):
        if not isinstance(live, list) or len(wanted) != len(live):
            return f"{path} (length)"
        for i, (w, v) in enumerate(zip(wanted, live, strict=True)):
            found = first_difference(w, v, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if is_subset(wanted, live) else path
