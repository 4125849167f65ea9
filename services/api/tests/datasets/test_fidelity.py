"""Dataset fidelity: a ground-truth set through every import format x export format, and the exports
opened by the tools ML teams use (pycocotools, Datumaro, Label Studio's converter, Ultralytics).

Shapes must equal the ground truth within 0.01 px after what each format cannot carry (`fidelity.carried`),
that loss must be what the export reports, and every exported image must be the imported bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import posixpath
import subprocess
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dataset_files import make_zip
from fidelity import (
    IMAGES,
    LABELS,
    as_project_shapes,
    carried,
    dumps,
    ground_truth,
    objects,
)
from labelhive_api.formats.coco import write_coco
from labelhive_api.formats.labelstudio import ls_task, point_labels_for
from labelhive_api.formats.model import Category, Dataset, ImageItem, Shape
from labelhive_api.formats.voc import read_voc, voc_xml
from labelhive_api.formats.yolo import read_yolo, yolo_data_yaml, yolo_label_text
from test_exports import export

EXPORTS = ("coco", "yolo", "yolo-seg", "yolo-pose", "voc", "labelstudio")
IMPORTS = ("coco", "yolo", "yolo-seg", "yolo-pose", "voc", "labelstudio")
SHA = {hashlib.sha256(data).hexdigest(): name for name, (_p, data, _w, _h) in IMAGES.items()}


def _categories(labels: list[dict[str, Any]]) -> tuple[list[Category], dict[str, str]]:
    """Categories named by their Chinese display names (value -> name)."""
    names = {label["value"]: label["names"].get("zh-CN", label["value"]) for label in labels}
    cats = [
        Category(
            name=names[label["value"]],
            keypoints=list((label.get("skeleton") or {}).get("points", [])),
            tools=list(label["tools"]),
        )
        for label in labels
    ]
    return cats, names


def _renamed(shapes: list[Shape], names: dict[str, str]) -> list[Shape]:
    out = []
    for s in shapes:
        copy = Shape(s.type, names[s.label], s.x, s.y, s.w, s.h, [list(p) for p in s.points], s.skeleton)
        copy.group, copy.attributes = s.group, s.attributes
        out.append(copy)
    return out


def dataset_zip(fmt: str, truth: dict[str, list[Shape]], labels: list[dict[str, Any]]) -> bytes:
    """The ground truth as a dataset in `fmt`, in that format's usual layout, labels in Chinese."""
    cats, names = _categories(labels)
    files: dict[str, bytes] = {}
    if fmt == "coco":
        dataset = Dataset(categories=cats)
        for name, (path, _data, w, h) in IMAGES.items():
            dataset.images.append(ImageItem(path, w, h, _renamed(truth[name], names)))
        out = io.BytesIO()
        write_coco(dataset, out)
        files["annotations/instances_default.json"] = out.getvalue()
        files.update({path: data for path, data, _w, _h in IMAGES.values()})
    elif fmt.startswith("yolo"):
        mode = {"yolo": "detect", "yolo-seg": "segment", "yolo-pose": "pose"}[fmt]
        ids = {c.name: i for i, c in enumerate(cats)}
        for name, (_path, data, w, h) in IMAGES.items():
            item = ImageItem(name, w, h, _renamed(truth[name], names))
            files[f"images/train/{name}"] = data
            stem = posixpath.splitext(name)[0]
            files[f"labels/train/{stem}.txt"] = yolo_label_text(item, ids, mode, Counter(), 3).encode()
        splits = {"train": "images/train", "val": "images/train"}
        files["data.yaml"] = yolo_data_yaml([c.name for c in cats], splits, mode, (3, 3)).encode()
    elif fmt == "voc":
        for name, (_path, data, w, h) in IMAGES.items():
            files[f"JPEGImages/{name}"] = data
            item = ImageItem(name, w, h, _renamed(truth[name], names))
            files[f"Annotations/{posixpath.splitext(name)[0]}.xml"] = voc_xml(item)
    elif fmt == "labelstudio":
        points = point_labels_for(cats)
        tasks = []
        for n, (name, (path, data, w, h)) in enumerate(IMAGES.items(), start=1):
            item = ImageItem(path, w, h, _renamed(truth[name], names))
            tasks.append(ls_task(item, f"/data/local-files/?d={path}", n, point_labels=points))
            files[path] = data
        files["export.json"] = dumps(tasks)
    return make_zip(files)


def read_export(fmt: str, archive: zipfile.ZipFile, labels: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Ground-truth image name -> objects, read back from an export with our own readers; every image
    is found by its bytes (so they are byte-identical)."""
    from labelhive_api.formats.coco import read_coco
    from labelhive_api.formats.labelstudio import read_labelstudio

    def image(path: str) -> tuple[str, int, int]:
        name = SHA[hashlib.sha256(archive.read(path)).hexdigest()]
        return name, IMAGES[name][2], IMAGES[name][3]

    found: dict[str, list[Any]] = {}
    if fmt == "coco":
        for item in read_coco(archive.read("annotations/instances_train.json")).images:
            name, w, h = image(f"images/train/{item.file_name}")
            assert (item.width, item.height) == (w, h)
            found[name] = objects(as_project_shapes(item.shapes, labels, w, h))
    elif fmt.startswith("yolo"):
        paths = [n for n in archive.namelist() if n.startswith("images/train/")]
        sizes = {p: image(p)[1:] for p in paths}
        texts = {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("labels/")}
        for item in read_yolo(archive.read("data.yaml"), sizes, texts).images:
            name, w, h = image(item.file_name)
            found[name] = objects(as_project_shapes(item.shapes, labels, w, h))
    elif fmt == "voc":
        for member in archive.namelist():
            if member.startswith("Annotations/"):
                item = read_voc(archive.read(member), where=member)
                name, w, h = image(f"JPEGImages/{item.file_name}")
                found[name] = objects(as_project_shapes(item.shapes, labels, w, h))
    elif fmt == "labelstudio":
        for item in read_labelstudio(archive.read("tasks.json")).images:
            name, w, h = image(item.file_name)
            found[name] = objects(as_project_shapes(item.shapes, labels, w, h))
    return found


def _export(world, project, headers, fmt: str, **options: Any) -> tuple[dict[str, Any], zipfile.ZipFile]:
    done = export(world, project, headers, format=fmt, with_images=True, **options)
    answer = world.client.get(done["download_url"])  # the local backend: served by the API itself
    assert answer.status_code == 200
    return done, zipfile.ZipFile(io.BytesIO(answer.content))


def _project(world, fmt: str):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=LABELS)
    labels = world.client.get(f"/api/v1/projects/{project.id}/label-schema", headers=headers).json()["labels"]
    crack = labels[0]["value"]
    assert crack.startswith("l-")  # generated from the Chinese display name
    truth = ground_truth(crack)
    created = world.upload(
        project,
        headers,
        [("dataset.zip", dataset_zip(fmt, truth, labels))],
        format="yolo" if fmt.startswith("yolo") else fmt,  # one YOLO import reads detect, seg and pose lines
        annotations_as="annotations",
    )
    world.run_jobs()
    job = world.client.get(f"/api/v1/projects/{project.id}/imports/{created['id']}", headers=headers).json()
    assert (job["state"], job["imported"], job["refused"], job["shapes_refused"]) == ("finished", 4, 0, 0), (
        job
    )
    stored = {
        name: _as_imported(carried(shapes, fmt, Counter()), labels, name) for name, shapes in truth.items()
    }
    return headers, project, labels, stored


def _as_imported(shapes: list[Shape], labels: list[dict[str, Any]], name: str) -> list[Shape]:
    """What an import stores of these shapes (the project's label rules applied)."""
    _path, _data, w, h = IMAGES[name]
    return [Shape.from_contract(s) for s in as_project_shapes(shapes, labels, w, h)]


@pytest.mark.parametrize("source", IMPORTS)
def test_every_import_format_through_every_export_format(local_world, source):
    world = local_world
    headers, project, labels, stored = _project(world, source)
    for target in EXPORTS:
        names = "value" if target == "coco" else "zh-CN"
        done, archive = _export(world, project, headers, target, label_names=names)
        lost: Counter[str] = Counter()
        expected = {
            name: objects(
                as_project_shapes(carried(shapes, target, lost), labels, IMAGES[name][2], IMAGES[name][3])
            )
            for name, shapes in stored.items()
        }
        found = read_export(target, archive, labels)
        for name in IMAGES:
            assert found.get(name, []) == expected[name], (source, target, name)
        assert done["report"]["lost"] == dict(+lost), (source, target)
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
        assert len({row["file"] for row in manifest}) == len(IMAGES)
        assert all("/" not in row["file"] for row in manifest)  # flat names, originals in the manifest
        if source in ("coco", "labelstudio"):
            assert {row["original_path"] for row in manifest} == {p for p, _d, _w, _h in IMAGES.values()}


def test_a_file_that_is_not_its_format_fails_alone_with_a_pointer(local_world):
    world = local_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=LABELS)
    good = json.loads(dataset_zip_member("coco"))
    files = {
        "good/instances.json": json.dumps(good).encode(),
        "bad/broken.json": b'{"images": [ {"id": 1, "file_name": "x.png",}',
        "bad/fields.json": json.dumps({"images": [{"id": 1}]}).encode(),
        **{path: data for path, data, _w, _h in IMAGES.values()},
    }
    created = world.upload(
        project, headers, [("d.zip", make_zip(files))], format="coco", annotations_as="annotations"
    )
    world.run_jobs()
    url = f"/api/v1/projects/{project.id}/imports/{created['id']}"
    job = world.client.get(url, headers=headers).json()
    items = world.client.get(f"{url}/items", headers=headers).json()["items"]
    refused = {
        i["name"].split("!/")[-1]: (i["reason"], i["detail"]) for i in items if i["state"] == "refused"
    }
    assert (
        refused["bad/broken.json"][0] == "invalid_format" and "line 1 column" in refused["bad/broken.json"][1]
    )
    assert refused["bad/fields.json"] == ("invalid_format", "coco: COCO: images[0].file_name is missing")
    assert (job["state"], job["imported"], job["shapes"]) == ("finished", 4, 9), job


def dataset_zip_member(fmt: str) -> bytes:
    labels = [dict(label, value=label.get("value") or "l-crack") for label in LABELS]
    with zipfile.ZipFile(io.BytesIO(dataset_zip(fmt, ground_truth("l-crack"), labels))) as archive:
        return archive.read("annotations/instances_default.json")


def _unpack(archive: zipfile.ZipFile, folder: Path) -> Path:
    archive.extractall(folder)
    return folder


WORKER_PYTHON = Path(__file__).resolve().parents[4] / ".venv-worker" / "bin" / "python"


def test_exports_open_in_the_tools_ml_teams_use(local_world, tmp_path):
    """pycocotools, Datumaro (COCO, YOLO, VOC), Label Studio's converter and Ultralytics' own dataset
    loading read our exports unedited; Chinese class names and every annotation come through."""
    world = local_world
    headers, project, _labels, _stored = _project(world, "coco")
    folders = {}
    for fmt in EXPORTS:
        _done, archive = _export(world, project, headers, fmt, label_names="zh-CN")
        folders[fmt] = _unpack(archive, tmp_path / fmt)
    names = ["裂纹", "气孔", "人"]
    _pycocotools(folders["coco"], names)
    _datumaro(folders, names)
    _label_studio_converter(folders["labelstudio"], tmp_path / "ls-out", names)
    _ultralytics(folders)


def _pycocotools(folder: Path, names: list[str]) -> None:
    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO(str(folder / "annotations/instances_train.json"))
    assert [c["name"] for c in gt.loadCats(gt.getCatIds())] == names
    anns = gt.loadAnns(gt.getAnnIds())
    assert (
        len(anns) == 7
    )  # one per object: the two-part polygon and the person (box + keypoints) are one each
    assert sorted(len(a["segmentation"]) for a in anns) == [0, 0, 0, 0, 0, 1, 2]  # boxes have no mask
    person = [a for a in anns if a.get("keypoints") and a["bbox"] == [5, 5, 60, 80]]
    assert person and person[0]["keypoints"] == [20, 30, 2, 25, 60, 1, 0, 0, 0]
    masks = [gt.annToMask(a) for a in anns if a["segmentation"]]
    assert [int(m.sum()) > 0 for m in masks] == [True, True]
    two_parts = next(a for a in anns if len(a["segmentation"]) == 2)
    assert abs(int(gt.annToMask(two_parts).sum()) - two_parts["area"]) < 0.15 * two_parts["area"]
    # the export evaluated against itself: a perfect score
    evaluation = COCOeval(gt, gt.loadRes([dict(a, score=1.0) for a in anns]), "bbox")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    assert np.isclose(evaluation.stats[0], 1.0), evaluation.stats


def _datumaro(folders: dict[str, Path], names: list[str]) -> None:
    import datumaro as dm

    counts = {}
    # COCO is found as "coco": its instances file and its keypoints file, both read
    for fmt, reader in (("coco", "coco"), ("yolo", "yolo"), ("voc", "voc_detection")):
        assert reader in dm.Environment().detect_dataset(str(folders[fmt])), fmt
        dataset = dm.Dataset.import_from(str(folders[fmt]), reader)
        labels = [c.name for c in dataset.categories()[dm.AnnotationType.label]]
        assert [n for n in labels if n != "background"] == names, fmt
        assert len(dataset) == len(IMAGES), fmt
        counts[fmt] = Counter(a.type.name for item in dataset for a in item.annotations)
    assert counts["yolo"] == {"bbox": 7}  # 2 crack boxes, 2 boxes of polygon parts, person, a box each
    assert counts["voc"] == {"bbox": 6}  # the two-part polygon is one object; keypoints have no VOC form
    assert counts["coco"]["polygon"] == 3 and counts["coco"]["bbox"] >= 4, counts["coco"]
    # Datumaro reads keypoints only from COCO's keypoint task file: the person's points come through there
    people = dm.Dataset.import_from(str(folders["coco"]), "coco_person_keypoints")
    points = [a for item in people for a in item.annotations if a.type == dm.AnnotationType.points]
    assert len(points) == 2, points  # the person and the keypoints-only object
    points = next(p for p in points if list(p.points)[:2] == [20, 30])
    assert list(points.points)[:4] == [20, 30, 25, 60]
    assert [v.name for v in points.visibility] == ["visible", "hidden", "absent"]


def _label_studio_converter(folder: Path, out: Path, names: list[str]) -> None:
    from label_studio_converter import Converter

    config = (folder / "labeling-config.xml").read_text()
    converter = Converter(config=config, project_dir=str(folder), download_resources=False)
    converter.convert_to_coco(input_data=str(folder / "tasks.json"), output_dir=str(out), is_dir=False)
    result = json.loads((out / "result.json").read_text())
    categories = {c["name"] for c in result["categories"]}
    assert set(names) <= categories
    # The converter's COCO output has no keypoints: it leaves out the keypoints-only image.
    assert sorted(i["file_name"] for i in result["images"]) == [
        "images/a.png",
        "images/b.png",
        "images/c.jpg",
    ]
    kinds = Counter("polygon" if a.get("segmentation") else "box" for a in result["annotations"])
    assert kinds == {"box": 4, "polygon": 3}, kinds  # 4 boxes, 3 polygon parts (the split is counted)


def _ultralytics(folders: dict[str, Path]) -> None:
    assert WORKER_PYTHON.exists(), f"the worker environment is missing: {WORKER_PYTHON} (make test builds it)"
    script = Path(__file__).with_name("ultralytics_reader.py")
    tasks = (("yolo", "detect"), ("yolo-seg", "segment"), ("yolo-pose", "pose"))
    args = [a for fmt, task in tasks for a in (str(folders[fmt] / "data.yaml"), task)]
    answer = subprocess.run(
        [str(WORKER_PYTHON), str(script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "YOLO_OFFLINE": "1", "YOLO_CONFIG_DIR": str(folders["yolo"] / ".ultralytics")},
    )
    assert answer.returncode == 0, answer.stderr[-3000:]
    lines = [json.loads(line) for line in answer.stdout.strip().splitlines() if line.startswith("{")]
    read = {fmt: doc for (fmt, _task), doc in zip(tasks, lines, strict=True)}
    for fmt, doc in read.items():
        assert list(doc["names"].values()) == ["裂纹", "气孔", "人"], fmt
    by_file = {fmt: {x["file"]: x for x in doc["labels"]} for fmt, doc in read.items()}
    assert by_file["yolo"]["c.jpg"]["shape"] == [120, 80]  # Ultralytics sees the EXIF-rotated size too
    assert sum(len(x["cls"]) for x in by_file["yolo"].values()) == 7
    assert sum(len(x["segments"]) for x in by_file["yolo-seg"].values()) == 7
    pose = read["yolo-pose"]
    assert pose["kpt_shape"] == [3, 3]
    keypoints = by_file["yolo-pose"]["a.png"]["keypoints"][0]
    assert keypoints == [pytest.approx(p, abs=1e-6) for p in ([0.1, 0.3, 2], [0.125, 0.6, 1], [0, 0, 0])]
