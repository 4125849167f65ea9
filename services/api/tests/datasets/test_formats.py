"""Format readers and writers as pure functions: round trips and hostile input."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from labelhive_api.formats.coco import coco_task_files, read_coco, write_coco
from labelhive_api.formats.csvsummary import csv_header, csv_row
from labelhive_api.formats.labelstudio import ls_task, read_labelstudio
from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem, Shape
from labelhive_api.formats.voc import read_voc, voc_xml
from labelhive_api.formats.yolo import label_path_for, read_yolo, yolo_data_yaml, yolo_label_text


def sample() -> Dataset:
    return Dataset(
        categories=[
            Category("crack"),
            Category("dent"),
            Category("person", keypoints=["head", "foot"], skeleton=[[1, 2]]),
        ],
        images=[
            ImageItem(
                "a.jpg",
                200,
                100,
                [
                    Shape("bbox", "crack", x=10, y=20, w=30, h=40),
                    Shape("polygon", "dent", points=[[1, 1], [50, 1], [50, 60], [1, 60]]),
                    Shape("keypoints", "person", points=[[5, 5, 2], [9, 90, 1]], skeleton="person"),
                ],
            ),
            ImageItem("sub/b.png", 64, 48, [Shape("bbox", "dent", x=0.5, y=1.25, w=10, h=10, score=0.9)]),
            ImageItem("c.jpg", 10, 10, []),
        ],
    )


def test_coco_round_trip_keeps_boxes_polygons_keypoints_and_categories():
    out = io.BytesIO()
    write_coco(sample(), out)
    doc = json.loads(out.getvalue())
    assert [c["name"] for c in doc["categories"]] == ["crack", "dent", "person"]
    assert doc["categories"][2]["keypoints"] == ["head", "foot"]
    back = read_coco(out.getvalue())
    assert back.label_names == ["crack", "dent", "person"]
    assert [(i.file_name, i.width, i.height) for i in back.images] == [
        ("a.jpg", 200, 100),
        ("sub/b.png", 64, 48),
        ("c.jpg", 10, 10),
    ]
    shapes = back.images[0].shapes
    assert [s.type for s in shapes] == ["bbox", "polygon", "keypoints"]
    assert (shapes[0].x, shapes[0].y, shapes[0].w, shapes[0].h) == (10, 20, 30, 40)
    assert shapes[1].points == [[1, 1], [50, 1], [50, 60], [1, 60]]
    assert shapes[2].points == [[5, 5, 2], [9, 90, 1]]
    assert back.images[1].shapes[0].score == 0.9 and back.images[1].shapes[0].x == 0.5


def test_coco_reports_unknown_ids_and_rle():
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "categories": [{"id": 7, "name": "x"}],
        "annotations": [
            {"id": 1, "image_id": 2, "category_id": 7, "bbox": [0, 0, 1, 1]},
            {"id": 2, "image_id": 1, "category_id": 8, "bbox": [0, 0, 1, 1]},
            {
                "id": 3,
                "image_id": 1,
                "category_id": 7,
                "segmentation": {"counts": [11, 2, 8, 2, 77], "size": [10, 10]},
            },
        ],
    }
    dataset = read_coco(json.dumps(doc))
    assert len(dataset.warnings) == 2
    assert [(s.type, s.x, s.y, s.w, s.h) for s in dataset.images[0].shapes] == [("bbox", 1, 1, 2, 2)]
    assert dataset.losses == {"mask_as_box": 1}  # the mask itself is not kept: counted
    with pytest.raises(FormatError):
        read_coco(b'{"annotations": []}')


def test_yolo_detection_and_segmentation_round_trip():
    data = sample()
    ids = {n: i for i, n in enumerate(data.label_names)}
    det = yolo_label_text(data.images[0], ids, "detect")
    seg = yolo_label_text(data.images[0], ids, "segment")
    assert det.splitlines()[0] == "0 0.125 0.4 0.15 0.4"
    assert len(det.splitlines()) == 2  # keypoints have no YOLO detect line
    assert seg.splitlines()[1].startswith("1 0.005 0.01 0.25 0.01")
    yml = yolo_data_yaml(data.label_names, {"train": "images/train", "val": "images/val"})
    assert yaml.safe_load(yml)["names"] == {0: "crack", 1: "dent", 2: "person"}
    back = read_yolo(yml, {"images/train/a.jpg": (200, 100)}, {"labels/train/a.txt": seg})
    shapes = back.images[0].shapes
    assert [s.type for s in shapes] == ["polygon", "polygon"]
    assert shapes[1].points[2] == pytest.approx([50, 60])
    det_back = read_yolo(yml, {"images/train/a.jpg": (200, 100)}, {"labels/train/a.txt": det})
    assert det_back.images[0].shapes[0].x == pytest.approx(10)
    for bad, pointer in [
        ("9 0 0 1 1", "a.txt:3: class 9"),
        ("bad", "a.txt:3: not a YOLO line"),
        ("0 1 2", "a.txt:3: 2 values"),
    ]:
        with pytest.raises(FormatError, match=pointer):  # a bad line fails the file, naming the line
            read_yolo(yml, {"images/train/a.jpg": (200, 100)}, {"labels/train/a.txt": det + bad + "\n"})
    assert label_path_for("images/val/x.y.jpg") == "labels/val/x.y.txt"


def test_voc_round_trip_and_xml_bombs_refused():
    item = sample().images[0]
    back = read_voc(voc_xml(item))
    assert back.file_name == "a.jpg" and (back.width, back.height) == (200, 100)
    first = back.shapes[0]
    assert (first.label, first.x, first.y, first.w, first.h) == ("crack", 10, 20, 30, 40)
    assert back.shapes[1].w == 49  # a polygon is written as its box
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><annotation>&y;</annotation>'
    with pytest.raises(FormatError):
        read_voc(bomb)


def test_label_studio_round_trip():
    data = sample()
    tasks = [ls_task(item, f"/data/upload/1/{item.file_name}", n) for n, item in enumerate(data.images)]
    back = read_labelstudio(json.dumps(tasks))
    assert back.images[0].file_name == "data/upload/1/a.jpg"
    shapes = back.images[0].shapes
    assert [s.type for s in shapes] == ["bbox", "polygon", "keypoints", "keypoints"]
    assert (shapes[0].x, shapes[0].y, shapes[0].w, shapes[0].h) == pytest.approx((10, 20, 30, 40))
    assert shapes[1].points[2] == pytest.approx([50, 60])
    assert set(back.label_names) == {"crack", "dent", "person"}
    preds = read_labelstudio(
        json.dumps([ls_task(data.images[1], "x.png", as_prediction=True)]), use="predictions"
    )
    assert preds.images[0].shapes[0].score == 0.9


def test_csv_summary_rows():
    item = sample().images[0]
    assert csv_header() == b"task_id,file_name,width,height,state,shapes,labels\n"
    assert csv_row(item, 5, "accepted") == b"5,a.jpg,200,100,accepted,3,crack=1;dent=1;person=1\n"


def test_coco_folders_read_instances_once_and_skip_files_without_objects():
    paths = [
        "annotations/instances_train.json",
        "annotations/person_keypoints_train.json",  # repeats the train instances' keypoint objects
        "annotations/person_keypoints_val.json",  # the only file of its split: read
        "annotations/captions_train.json",
        "annotations/image_info_test.json",
        "other/person_keypoints_train.json",  # another folder, no instances beside it
        "my-labels.json",
    ]
    assert coco_task_files(paths) == [
        "annotations/instances_train.json",
        "annotations/person_keypoints_val.json",
        "other/person_keypoints_train.json",
        "my-labels.json",
    ]
