"""Per-shape judgement of imported shapes: refused ones carry a reason, the rest of the image is kept."""

from __future__ import annotations

from labelhive_api.formats.checks import LabelLookup, check_shapes
from labelhive_api.formats.model import Shape

LABELS = [
    {"value": "crack", "names": {"zh-CN": "裂纹"}, "tools": ["bbox", "polygon"]},
    {
        "value": "tip",
        "names": {"zh-CN": "端点"},
        "tools": ["keypoints"],
        "skeleton": {"name": "point", "points": ["端点"]},
    },
    {
        "value": "person",
        "names": {"en": "Person"},
        "tools": ["keypoints", "bbox"],
        "skeleton": {
            "name": "body",
            "points": ["head", "left_hand", "right_hand"],
            "edges": [[0, 1], [0, 2]],
        },
    },
]


def test_a_bad_shape_is_refused_with_its_reason_and_the_others_are_kept():
    shapes = [
        Shape("bbox", "裂纹", 1, 2, 3, 4),
        Shape("bbox", "rust", 1, 2, 3, 4),  # not a project label
        Shape("polygon", "crack", points=[[1, 1], [2, 2]]),  # two points
        Shape("keypoints", "crack", points=[[1, 1, 2]]),  # crack allows no keypoints
        Shape("keypoints", "端点", points=[[5, 6, 2]]),  # one-point skeleton: kept as is
        Shape("bbox", "crack", 90, 10, 20, 10),  # 10 px over the right edge: clamped, counted
    ]
    lookup = LabelLookup(LABELS)
    checked = check_shapes(shapes, lookup, 100, 50)
    assert [(s["type"], s["label"]) for s in checked.shapes] == [
        ("bbox", "crack"),
        ("keypoints", "tip"),
        ("bbox", "crack"),
    ]
    assert [(r.index, r.reason) for r in checked.refused] == [
        (1, "unknown_label"),
        (2, "invalid_geometry"),
        (3, "tool_not_allowed"),
    ]
    assert checked.shapes[2]["w"] == 10 and checked.losses == {"clamped_to_image": 1}
    assert lookup.unknown == {"rust": 1}
    assert len({s["id"] for s in checked.shapes}) == 3


def test_one_point_keypoints_named_after_skeleton_points_become_instances():
    def kp(name, x, y, instance=None):
        shape = Shape("keypoints", name, points=[[x, y, 2]])
        shape.instance = instance
        return shape

    # Label Studio: each keypoint is its own result, labelled with the point's name.
    shapes = [kp("head", 10, 10), kp("left_hand", 5, 20), kp("head", 50, 10), kp("person/right_hand", 55, 20)]
    shapes.append(Shape("keypoints", "person", points=[[1, 1, 2]]))  # no point name: ambiguous
    checked = check_shapes(shapes, LabelLookup(LABELS), 100, 50)
    assert [[list(p) for p in s["points"]] for s in checked.shapes] == [
        [[10, 10, 2], [5, 20, 2], [0, 0, 0]],
        [[50, 10, 2], [0, 0, 0], [55, 20, 2]],
    ]
    assert all(s["label"] == "person" and s["skeleton"] == "body" for s in checked.shapes)
    assert [(r.index, r.reason) for r in checked.refused] == [(4, "skeleton_mismatch")]
    # An explicit instance keeps interleaved points apart.
    mixed = [kp("head", 1, 1, "a"), kp("head", 9, 9, "b"), kp("left_hand", 2, 2, "a")]
    checked = check_shapes(mixed, LabelLookup(LABELS), 100, 50)
    points = [[list(p) for p in s["points"][:2]] for s in checked.shapes]
    assert points == [[[1, 1, 2], [2, 2, 2]], [[9, 9, 2], [0, 0, 0]]]


def test_label_studio_import_keeps_keypoints_and_reports_refused_shapes(local_world):
    import json

    from dataset_files import make_zip, png

    world = local_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=LABELS)

    def result(kind, value, rid):
        return {
            "id": rid,
            "type": kind,
            "from_name": kind,
            "to_name": "image",
            "value": value,
            "original_width": 200,
            "original_height": 100,
        }

    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/upload/1/a.png"},
            "annotations": [
                {
                    "result": [
                        result(
                            "rectanglelabels",
                            {"x": 10, "y": 10, "width": 20, "height": 20, "rectanglelabels": ["裂纹"]},
                            "r1",
                        ),
                        result(
                            "keypointlabels", {"x": 50, "y": 50, "width": 1, "keypointlabels": ["端点"]}, "k1"
                        ),
                        result(
                            "keypointlabels", {"x": 10, "y": 20, "width": 1, "keypointlabels": ["head"]}, "k2"
                        ),
                        result(
                            "keypointlabels",
                            {"x": 12, "y": 40, "width": 1, "keypointlabels": ["left_hand"]},
                            "k3",
                        ),
                        result(
                            "polygonlabels", {"points": [[1, 1], [2, 2]], "polygonlabels": ["裂纹"]}, "p1"
                        ),
                    ]
                }
            ],
        },
        {
            "id": 2,
            "data": {"image": "/data/upload/1/b.png"},
            "annotations": [
                {
                    "result": [
                        result(
                            "keypointlabels", {"x": 5, "y": 5, "width": 1, "keypointlabels": ["端点"]}, "k4"
                        ),
                    ]
                }
            ],
        },
    ]
    archive = make_zip(
        {"export.json": json.dumps(tasks).encode(), "a.png": png(200, 100), "b.png": png(200, 100, (1, 2, 3))}
    )
    created = world.upload(
        project, headers, [("ls.zip", archive)], format="labelstudio", annotations_as="annotations"
    )
    world.run_jobs()
    job = world.client.get(f"/api/v1/projects/{project.id}/imports/{created['id']}", headers=headers).json()
    items = world.client.get(
        f"/api/v1/projects/{project.id}/imports/{created['id']}/items", headers=headers
    ).json()
    assert (job["state"], job["imported"], job["shapes"], job["shapes_refused"]) == ("finished", 2, 4, 1), (
        items["items"][0]["detail"]
    )
    refused = job["report"]["refused_shapes"]
    assert [(r["file"], r["reason"]) for r in refused] == [("data/upload/1/a.png", "invalid_geometry")]
