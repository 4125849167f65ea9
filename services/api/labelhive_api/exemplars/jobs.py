"""Exemplar pre-label jobs: the current sets as the job's options, and the automatic run after an import."""

from __future__ import annotations

import logging
from typing import Any

from labelhive_api.errors import Unprocessable
from labelhive_api.exemplars import service
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value

log = logging.getLogger("labelhive_api.exemplars")


def exemplar_options(
    session: Any, project: Project, labels: list[str] | None, thresholds: dict[str, float], max_instances: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the message's exemplar section, the job's initial report). 422 when no label has an exemplar."""
    schema = labels_by_value(session, project)
    if labels is not None:
        unknown = [label for label in labels if label not in schema]
        if unknown:
            raise Unprocessable(f"labels not in the project's schema: {unknown}", code="label_unknown")
        wanted = list(labels)
    else:
        wanted = [s.label for s in service.sets(session, project.id) if s.label in schema]
    section = service.message_section(session, project.id, wanted, thresholds, max_instances)
    if not any(entry["exemplars"] for entry in section["labels"]):
        raise Unprocessable(
            "no label has an exemplar yet: mark annotated shapes as exemplars first",
            code="exemplar_set_empty",
        )
    report = {
        "labels": {
            e["label"]: {"version": e["version"], "exemplars": len(e["exemplars"]), "found": 0, "refused": []}
            | ({} if e["exemplars"] else {"skipped": {"code": "exemplar_set_empty", "message": "empty set"}})
            for e in section["labels"]
        }
    }
    return section, report
