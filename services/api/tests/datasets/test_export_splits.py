"""Train/val/test split in exports: every task lands in exactly one split, the same one on every run, and
YOLO's data.yaml names the test folder (PostgreSQL + SeaweedFS)."""

from __future__ import annotations

import yaml
from dataset_files import png
from test_exports import export, fetch_zip


def test_a_test_split_beside_train_and_val(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    world.upload(project, headers, [(f"p{n:02d}.png", png(color=(n, 2 * n, 3 * n))) for n in range(40)])
    world.run_jobs()
    options = {"format": "yolo", "val_fraction": 0.25, "test_fraction": 0.25, "split_seed": 7}
    first = fetch_zip(export(world, project, headers, **options))
    labels = {n.split("/")[1]: set() for n in first.namelist() if n.startswith("labels/")}
    for name in first.namelist():
        if name.startswith("labels/"):
            labels[name.split("/")[1]].add(name.rsplit("/", 1)[1])
    assert set(labels) == {"train", "val", "test"}
    assert sum(len(v) for v in labels.values()) == 40
    assert all(len(v) >= 4 for v in labels.values()), {k: len(v) for k, v in labels.items()}
    data = yaml.safe_load(first.read("data.yaml"))
    assert (data["train"], data["val"], data["test"]) == ("images/train", "images/val", "images/test")
    again = fetch_zip(export(world, project, headers, **options))
    assert sorted(n for n in again.namelist() if n.startswith("labels/")) == sorted(
        n for n in first.namelist() if n.startswith("labels/")
    )


def test_splits_must_leave_some_training_data(world):
    admin = world.user(admin=True)
    project = world.project(admin)
    r = world.client.post(
        f"/api/v1/projects/{project.id}/exports",
        json={"format": "coco", "val_fraction": 0.5, "test_fraction": 0.5},
        headers=world.token(admin),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_export_options"
