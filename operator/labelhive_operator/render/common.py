"""Metadata every child carries: common labels and the owner reference. Pure."""

from __future__ import annotations

from typing import Any

from labelhive_operator.project import LABEL_COMPONENT, Project


def metadata(project: Project, name: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": project.namespace,
        "labels": {**project.labels, LABEL_COMPONENT: component},
        "ownerReferences": [project.owner_reference],
    }
