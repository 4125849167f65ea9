"""Every dataset format by name, with what LabelHive can do with it: the one list that import and export
options, the import's file reader and the export's writer choice come from.

Readers take the bytes of one annotation file and return a `Dataset` (formats/model.py). YOLO is read in
two steps (a `data.yaml` for the classes, then the label texts matched to images), so its reader is the
import's own; `images` and `tasks` imports read no annotation file of this kind at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from labelhive_api.formats.coco import read_coco
from labelhive_api.formats.labelstudio import read_labelstudio
from labelhive_api.formats.model import Dataset
from labelhive_api.formats.voc import read_voc

Reader = Callable[[bytes, str, Mapping[str, Any]], Dataset]  # (file bytes, path in the upload, job options)


def _read_voc(data: bytes, path: str, options: Mapping[str, Any]) -> Dataset:
    dataset = Dataset(images=[read_voc(data, where=path)])
    # VOC files name the image by its bare file name, next to or apart from the XML.
    dataset.images[0].meta["xml"] = path
    return dataset


@dataclass(frozen=True)
class DatasetFormat:
    name: str
    imports: bool = False
    exports: bool = False
    files: tuple[str, ...] = ()  # extensions of the annotation files an import reads
    reader: Reader | None = None
    keeps_attributes: bool = False  # an export carries shape attributes (others report them as lost)
    yolo_task: str | None = None  # Ultralytics task of a YOLO export: detect, segment, pose


FORMATS: dict[str, DatasetFormat] = {
    f.name: f
    for f in (
        DatasetFormat("images", imports=True),
        DatasetFormat("tasks", imports=True),
        DatasetFormat(
            "coco",
            imports=True,
            exports=True,
            files=(".json",),
            reader=lambda data, path, options: read_coco(data),
            keeps_attributes=True,
        ),
        DatasetFormat(
            "yolo", imports=True, exports=True, files=(".yaml", ".yml", ".txt"), yolo_task="detect"
        ),
        DatasetFormat("yolo-seg", exports=True, yolo_task="segment"),
        DatasetFormat("yolo-pose", exports=True, yolo_task="pose"),
        DatasetFormat("voc", imports=True, exports=True, files=(".xml",), reader=_read_voc),
        DatasetFormat(
            "labelstudio",
            imports=True,
            exports=True,
            files=(".json",),
            reader=lambda data, path, options: read_labelstudio(
                data, use=str(options.get("labelstudio_use", "annotations"))
            ),
        ),
        # a summary only (summary.csv, plus images if asked): no shapes, so none are lost
        DatasetFormat("csv", exports=True, keeps_attributes=True),
    )
}
IMPORT_FORMATS = tuple(name for name, f in FORMATS.items() if f.imports)
EXPORT_FORMATS = tuple(name for name, f in FORMATS.items() if f.exports)
