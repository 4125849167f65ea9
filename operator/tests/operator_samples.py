"""LabelingProject bodies for the unit tests (a uniquely named module: test dirs share sys.path)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from labelhive_operator.project import Project

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "crds" / "examples" / "weld-defects.yaml"


def sample_body(**spec_overrides: Any) -> dict[str, Any]:
    body = yaml.safe_load(SAMPLE.read_text())
    body["metadata"].update(uid="0f1e2d3c-0000-4000-8000-000000000001", generation=1)
    for key, value in spec_overrides.items():
        body["spec"][key] = value
    return body


def sample_project(**spec_overrides: Any) -> Project:
    return Project(copy.deepcopy(sample_body(**spec_overrides)))
