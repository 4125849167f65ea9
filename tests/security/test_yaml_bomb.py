"""A few hundred bytes of nested YAML aliases (a "billion laughs") cost nothing: aliases are refused."""

from __future__ import annotations

import time

import pytest
from conftest import png
from labelhive_api.formats.model import FormatError
from labelhive_api.formats.yolo import read_data_yaml

BOMB = (
    "a: &a ['x','x','x','x','x','x','x','x','x']\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "names: *i\n"
)


def test_alias_bomb_is_refused_at_once():
    assert len(BOMB) < 500
    start = time.perf_counter()
    with pytest.raises(FormatError, match="aliases"):
        read_data_yaml(BOMB)
    assert time.perf_counter() - start < 1.0  # the expansion (9**9 items) never happens
    assert read_data_yaml("names: [crack, dent]\n") == ["crack", "dent"]


def test_a_yolo_import_with_an_alias_bomb_refuses_that_file_and_keeps_the_images(api):
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    created = api.client.post(
        f"/api/v1/projects/{project.id}/imports",
        headers=headers,
        data={"format": "yolo"},
        files=[("files", ("data.yaml", BOMB.encode())), ("files", ("images/a.png", png()))],
    )
    assert created.status_code == 202, created.text
    api.run_jobs()
    done = api.job(project.id, created.json()["id"], headers)
    assert (done["state"], done["imported"]) == ("finished", 1)
    reasons = {r["name"]: r["reason"] for r in api.items(project.id, created.json()["id"], headers)}
    assert reasons["data.yaml"] == "invalid_format"
