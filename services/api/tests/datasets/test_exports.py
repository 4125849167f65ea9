"""Dataset imports (COCO, YOLO, VOC, Label Studio) and streaming exports, round trips, filters, resumption."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from urllib.parse import urlsplit

import pytest
import yaml
from dataset_files import jpeg, make_zip, png
from labelhive_api.exports.jobs import run_export
from labelhive_api.exports.models import ExportJob
from labelhive_api.exports.service import ExportStopped
from labelhive_api.formats.coco import read_coco
from labelhive_api.formats.labelstudio import ls_task
from labelhive_api.formats.model import ImageItem, Shape
from labelhive_api.formats.voc import voc_xml
from labelhive_api.tasks.models import Task
from sqlalchemy import select, update

COCO_LABELS = [
    {"value": "crack", "names": {"en": "Crack"}, "color": "#ff0000", "tools": ["bbox", "polygon"]},
    {"value": "dent", "names": {"en": "Dent"}, "color": "#00ff00", "tools": ["bbox", "polygon"]},
]


def coco_dataset() -> tuple[dict, dict[str, bytes]]:
    images = {"img/a.png": png(100, 80), "img/b.jpg": jpeg(120, 90), "img/c.png": png(50, 50, (5, 5, 5))}
    doc = {
        "images": [
            {"id": 1, "file_name": "a.png", "width": 100, "height": 80},
            {"id": 2, "file_name": "b.jpg", "width": 120, "height": 90},
            {"id": 3, "file_name": "c.png", "width": 50, "height": 50},
        ],
        "categories": [{"id": 7, "name": "crack"}, {"id": 9, "name": "Dent"}, {"id": 11, "name": "rust"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 7,
                "bbox": [10, 20, 30, 40],
                "segmentation": [],
                "iscrowd": 0,
            },
            {
                "id": 2,
                "image_id": 1,
                "category_id": 9,
                "bbox": [1, 1, 49, 59],
                "segmentation": [[1, 1, 50, 1, 50, 60, 1, 60]],
            },
            {"id": 3, "image_id": 2, "category_id": 7, "bbox": [5.5, 6.5, 20, 10]},
            {"id": 4, "image_id": 2, "category_id": 11, "bbox": [0, 0, 5, 5]},
        ],
    }
    return doc, images


def export(world, project, headers, **body):
    response = world.client.post(f"/api/v1/projects/{project.id}/exports", headers=headers, json=body)
    assert response.status_code == 202, response.text
    world.run_jobs()
    done = world.client.get(
        f"/api/v1/projects/{project.id}/exports/{response.json()['id']}", headers=headers
    ).json()
    assert done["state"] == "finished", done
    return done


def fetch_zip(done) -> zipfile.ZipFile:
    with urllib.request.urlopen(done["download_url"], timeout=30) as answer:
        return zipfile.ZipFile(io.BytesIO(answer.read()))


def boxes(dataset):
    out = {}
    for item in dataset.images:
        out[item.file_name] = sorted(
            (
                s.label,
                s.type,
                round(s.x, 3),
                round(s.y, 3),
                round(s.w, 3),
                round(s.h, 3),
                json.dumps(s.points),
            )
            for s in item.shapes
        )
    return out


@pytest.mark.parametrize("annotations_as", ["annotations", "predictions"])
def test_coco_import_then_coco_export_gives_the_same_shapes_and_categories(world, annotations_as):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    doc, images = coco_dataset()
    archive = make_zip({"annotations/instances.json": json.dumps(doc).encode(), **images})
    created = world.upload(
        project, headers, [("coco.zip", archive)], format="coco", annotations_as=annotations_as
    )
    world.run_jobs()
    job = world.client.get(f"/api/v1/projects/{project.id}/imports/{created['id']}", headers=headers).json()
    assert (job["state"], job["imported"], job["shapes"]) == ("finished", 3, 3)
    assert job["report"]["unknown_labels"] == {"rust": 1}  # reported, not silently dropped
    with world.db.sessions() as s:
        names = sorted(s.scalars(select(Task.filename).where(Task.project_id == project.id)))
    assert names == ["a.png", "b.jpg", "c.png"]

    done = export(world, project, headers, format="coco", with_images=True, source=annotations_as)
    archive_out = fetch_zip(done)
    exported = read_coco(archive_out.read("annotations/instances_train.json"))
    assert exported.label_names == ["crack", "dent"]
    original = read_coco(json.dumps(doc))
    for item in original.images:
        item.shapes = [s for s in item.shapes if s.label != "rust"]
        for s in item.shapes:
            s.label = s.label.lower()
    assert boxes(exported) == boxes(original)
    assert archive_out.read("images/train/a.png") == images["img/a.png"]
    assert "summary.csv" in archive_out.namelist()


def test_yolo_export_with_images_opens_with_data_yaml_and_one_label_file_per_image(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    doc, images = coco_dataset()
    world.upload(
        project,
        headers,
        [("coco.zip", make_zip({"c.json": json.dumps(doc).encode(), **images}))],
        format="coco",
        annotations_as="annotations",
    )
    world.run_jobs()
    done = export(world, project, headers, format="yolo", with_images=True, val_fraction=0.34, split_seed=3)
    z = fetch_zip(done)
    names = z.namelist()
    data = yaml.safe_load(z.read("data.yaml"))
    assert data["names"] == {0: "crack", 1: "dent"} and data["nc"] == 2
    assert data["train"] == "images/train" and data["val"] in ("images/val", "images/train")
    image_files = [n for n in names if n.startswith("images/")]
    label_files = [n for n in names if n.startswith("labels/")]
    assert len(image_files) == len(label_files) == 3
    for image in image_files:
        label = "labels/" + image.removeprefix("images/").rsplit(".", 1)[0] + ".txt"
        assert label in names
        assert z.read(image) in images.values()  # the images themselves, byte for byte
    a_label = next(n for n in label_files if n.endswith("/a.txt"))
    lines = sorted(z.read(a_label).decode().splitlines())
    assert lines == ["0 0.25 0.5 0.3 0.5", "1 0.255 0.38125 0.49 0.7375"]
    assert z.testzip() is None


def test_export_filters_states_label_subset_and_parent_mapping(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    labels = [
        *COCO_LABELS,
        {"value": "scratch", "names": {"en": "Scratch"}, "color": "#0000ff", "tools": ["bbox"]},
    ]
    project = world.project(admin, labels=labels)
    doc, images = coco_dataset()
    doc["categories"].append({"id": 12, "name": "scratch"})
    doc["annotations"].append({"id": 9, "image_id": 3, "category_id": 12, "bbox": [1, 1, 2, 2]})
    world.upload(
        project,
        headers,
        [("d.zip", make_zip({"c.json": json.dumps(doc).encode(), **images}))],
        format="coco",
        annotations_as="annotations",
    )
    world.run_jobs()
    with world.db.session() as s:
        s.execute(
            update(Task)
            .where(Task.project_id == project.id, Task.filename == "a.png")
            .values(state="accepted")
        )
    accepted = fetch_zip(export(world, project, headers, format="coco", states=["accepted"]))
    only_a = read_coco(accepted.read("annotations/instances_train.json"))
    assert [i.file_name for i in only_a.images] == ["a.png"]
    merged = fetch_zip(
        export(world, project, headers, format="coco", label_map={"crack": "defect", "dent": "defect"})
    )
    coarse = read_coco(merged.read("annotations/instances_train.json"))
    assert coarse.label_names == ["defect", "scratch"]
    assert sorted(s.label for i in coarse.images for s in i.shapes) == [
        "defect",
        "defect",
        "defect",
        "scratch",
    ]
    subset = fetch_zip(export(world, project, headers, format="yolo", labels=["scratch"]))
    assert yaml.safe_load(subset.read("data.yaml"))["names"] == {0: "scratch"}
    texts = {n: subset.read(n).decode() for n in subset.namelist() if n.startswith("labels/")}
    assert len(texts) == 3 and sum(1 for t in texts.values() if t.strip()) == 1


def test_voc_label_studio_and_yolo_imports(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    item = ImageItem("v1.png", 64, 48, [Shape("bbox", "crack", x=1, y=2, w=10, h=20)])
    world.upload(
        project,
        headers,
        [("voc.zip", make_zip({"Annotations/v1.xml": voc_xml(item), "JPEGImages/v1.png": png(64, 48)}))],
        format="voc",
    )
    ls = [
        ls_task(
            ImageItem("l1.png", 40, 40, [Shape("polygon", "dent", points=[[1, 1], [30, 1], [30, 30]])]),
            "/data/upload/1/0a1b2c3d-l1.png",
        )
    ]
    world.upload(
        project,
        headers,
        [("tasks.json", json.dumps(ls).encode()), ("l1.png", png(40, 40, (7, 7, 7)))],
        format="labelstudio",
    )
    yolo_zip = make_zip(
        {
            "data.yaml": b"names: [crack, dent]\n",
            "images/train/y1.png": png(100, 100, (3, 3, 3)),
            "labels/train/y1.txt": b"1 0.5 0.5 0.2 0.4\n",
        }
    )
    world.upload(project, headers, [("yolo.zip", yolo_zip)], format="yolo", model_version="legacy-v1")
    world.run_jobs()
    jobs = world.client.get(f"/api/v1/projects/{project.id}/imports", headers=headers).json()
    assert [(j["format"], j["imported"], j["shapes"]) for j in reversed(jobs)] == [
        ("voc", 1, 1),
        ("labelstudio", 1, 1),
        ("yolo", 1, 1),
    ]
    done = fetch_zip(export(world, project, headers, format="labelstudio", source="predictions"))
    tasks = json.loads(done.read("tasks.json"))
    results = sorted(r["type"] for t in tasks for r in t["predictions"][0]["result"])
    assert results == ["polygonlabels", "rectanglelabels", "rectanglelabels"]


def test_an_interrupted_export_reruns_into_one_complete_zip(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    files = {f"p{i:02d}.png": png(10 + i, 10, (i, i, i)) for i in range(9)}
    world.upload(project, headers, [("many.zip", make_zip(files))])
    world.run_jobs()
    created = world.client.post(
        f"/api/v1/projects/{project.id}/exports",
        headers=headers,
        json={"format": "yolo", "with_images": True},
    ).json()
    pages = {"n": 0}

    def dies_after_first_page() -> bool:
        pages["n"] += 1
        return pages["n"] <= 1

    with pytest.raises(ExportStopped):
        run_export(world.db, world.storage, created["id"], should_continue=dies_after_first_page, page_size=4)
    assert list(world.storage.target.list("exports/")) == []  # nothing half-written was published
    run_export(world.db, world.storage, created["id"], page_size=4)
    run_export(world.db, world.storage, created["id"], page_size=4)  # and once more: still one zip
    assert [o.key for o in world.storage.target.list("exports/")] == [f"exports/{created['id']}.zip"]
    z = zipfile.ZipFile(io.BytesIO(world.storage.target.get(f"exports/{created['id']}.zip")))
    images = [n for n in z.namelist() if n.startswith("images/")]
    assert len(images) == len(set(images)) == 9
    with world.db.sessions() as s:
        job = s.get(ExportJob, created["id"])
        assert (job.state, job.done, job.total) == ("finished", 9, 9)


def test_download_link_is_signed_for_the_requesters_network(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    world.upload(project, headers, [("a.png", png())])
    world.run_jobs()
    done = export(world, project, headers, format="csv", with_images=True)
    path = f"/api/v1/projects/{project.id}/exports/{done['id']}"
    endpoints = world.settings.s3_public_endpoints
    for host, endpoint in [("127.0.0.1:8080", endpoints[0]), ("localhost:8080", endpoints[1])]:
        url = world.client.get(path, headers={**headers, "host": host}).json()["download_url"]
        assert url.startswith(endpoint + "/"), (host, url)
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert "attachment" in answer.headers["Content-Disposition"]
            assert zipfile.ZipFile(io.BytesIO(answer.read())).read("summary.csv").startswith(b"task_id,")
    redirect = world.client.get(
        f"{path}/download", headers={**headers, "host": "localhost:8080"}, follow_redirects=False
    )
    assert redirect.status_code == 307 and urlsplit(redirect.headers["location"]).hostname == "localhost"


def test_bad_export_options_get_a_422(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    for body in [
        {"format": "tiff"},
        {"format": "coco", "val_fraction": 1.5},
        {"format": "coco", "label_map": {"a": "b", "b": "a"}},
        {"format": "coco", "nope": 1},
    ]:
        response = world.client.post(f"/api/v1/projects/{project.id}/exports", headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")


def test_keypoints_yolo_segmentation_voc_and_batch_filter(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    labels = [
        *COCO_LABELS,
        {
            "value": "weld",
            "names": {"en": "Weld"},
            "color": "#123456",
            "tools": ["keypoints"],
            "skeleton": {"name": "seam", "points": ["start", "end"], "edges": [[0, 1]]},
        },
    ]
    project = world.project(admin, labels=labels)
    doc, images = coco_dataset()
    doc["categories"].append({"id": 20, "name": "weld", "keypoints": ["start", "end"], "skeleton": [[1, 2]]})
    doc["annotations"].append(
        {
            "id": 20,
            "image_id": 3,
            "category_id": 20,
            "keypoints": [5, 5, 2, 40, 45, 1],
            "num_keypoints": 2,
            "bbox": [5, 5, 35, 40],
        }
    )
    world.upload(
        project,
        headers,
        [("d.zip", make_zip({"c.json": json.dumps(doc).encode(), **images}))],
        format="coco",
        annotations_as="annotations",
    )
    world.run_jobs()
    coco = read_coco(
        fetch_zip(export(world, project, headers, format="coco")).read("annotations/instances_train.json")
    )
    weld = next(c for c in coco.categories if c.name == "weld")
    assert weld.keypoints == ["start", "end"] and weld.skeleton == [[1, 2]]
    kps = [s for i in coco.images for s in i.shapes if s.type == "keypoints"]
    assert [k.points for k in kps] == [[[5, 5, 2], [40, 45, 1]]]

    seg = fetch_zip(export(world, project, headers, format="yolo-seg"))
    assert yaml.safe_load(seg.read("data.yaml"))["task"] == "segment"
    a_lines = sorted(seg.read("labels/train/a.txt").decode().splitlines())
    assert a_lines[0] == "0 0.1 0.25 0.4 0.25 0.4 0.75 0.1 0.75"  # a box as its four corners
    assert a_lines[1].startswith("1 0.01 0.0125 0.5 0.0125 0.5 0.75")  # the polygon itself

    voc = fetch_zip(export(world, project, headers, format="voc", with_images=True))
    names = voc.namelist()
    assert {
        "Annotations/a.xml",
        "Annotations/b.xml",
        "Annotations/c.xml",
        "JPEGImages/a.png",
        "ImageSets/Main/train.txt",
        "labels.txt",
    } <= set(names)
    assert b"<name>crack</name>" in voc.read("Annotations/a.xml")

    with world.db.sessions() as s:
        ids = dict(s.execute(select(Task.filename, Task.id).where(Task.project_id == project.id)).all())
    batch = world.client.post(
        f"/api/v1/projects/{project.id}/batches",
        headers=headers,
        json={"name": "first", "task_ids": [ids["b.jpg"]]},
    )
    assert batch.status_code in (200, 201), batch.text
    only_b = read_coco(
        fetch_zip(export(world, project, headers, format="coco", batch_ids=[batch.json()["id"]])).read(
            "annotations/instances_train.json"
        )
    )
    assert [i.file_name for i in only_b.images] == ["b.jpg"]


def test_a_finished_export_queues_export_finished_for_subscribed_webhooks(world):
    from labelhive_api.webhooks.models import WebhookDelivery

    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=COCO_LABELS)
    hooks = {}
    for name, events in [("exports", ["export.finished"]), ("tasks", ["task.submitted"])]:
        created = world.client.post(
            f"/api/v1/projects/{project.id}/webhooks",
            json={"url": f"http://127.0.0.1:9/{name}", "events": events},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        hooks[name] = created.json()["id"]
    world.upload(project, headers, [("a.png", png())])
    world.run_jobs()
    done = export(world, project, headers, format="csv", with_images=False)
    assert done["state"] == "finished"
    with world.db.sessions() as s:
        rows = s.scalars(select(WebhookDelivery).where(WebhookDelivery.project_id == project.id)).all()
    assert [(r.webhook_id, r.event) for r in rows] == [(hooks["exports"], "export.finished")]
    data = rows[0].payload["data"]
    assert data["export_id"] == done["id"] and data["format"] == "csv" and data["images"] == 1
