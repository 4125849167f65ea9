"""Run with the worker's Python (.venv-worker, which has ultralytics): Ultralytics' own dataset loading of
exported data.yaml files. Prints what it read as JSON, one line per dataset.
Usage: ultralytics_reader.py DATA_YAML TASK [DATA_YAML TASK ...]"""

import json
import sys
from pathlib import Path

from ultralytics.data.dataset import YOLODataset
from ultralytics.data.utils import check_det_dataset


def read(yaml_path: str, task: str) -> dict:
    data = check_det_dataset(yaml_path)
    dataset = YOLODataset(img_path=data["train"], data=data, task=task, augment=False, imgsz=64, cache=False)
    labels = []
    for label in dataset.labels:
        keypoints = label.get("keypoints")
        labels.append(
            {
                "file": Path(label["im_file"]).name,
                "shape": list(label["shape"]),
                "cls": [int(c) for c in label["cls"].ravel()],
                "bboxes": label["bboxes"].round(5).tolist(),
                "segments": [s.round(5).tolist() for s in label["segments"]],
                "keypoints": None if keypoints is None else keypoints.round(5).tolist(),
            }
        )
    return {"names": data["names"], "nc": data["nc"], "kpt_shape": data.get("kpt_shape"), "labels": labels}


for i in range(1, len(sys.argv), 2):
    print(json.dumps(read(sys.argv[i], sys.argv[i + 1])))
