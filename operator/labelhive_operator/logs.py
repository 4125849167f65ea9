"""Our log lines, one logger per project with namespace/name in front (never a secret value)."""

from __future__ import annotations

import logging
from typing import Any

Log = logging.Logger | logging.LoggerAdapter[Any]


class ProjectLog(logging.LoggerAdapter[logging.Logger]):
    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{(self.extra or {}).get('project')}] {msg}", kwargs


def project_log(body: Any) -> ProjectLog:
    meta = body.get("metadata", {})
    return ProjectLog(
        logging.getLogger("labelhive_operator.project"),
        {"project": f"{meta.get('namespace')}/{meta.get('name')}"},
    )
