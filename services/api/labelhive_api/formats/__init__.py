"""Dataset formats as pure functions over plain dataclasses: COCO, YOLO, Pascal VOC, Label Studio, CSV.

No I/O beyond the streams handed in, no database, no storage: importers and exporters wrap these.
"""

from labelhive_api.formats.model import Dataset, ImageItem, Shape

__all__ = ["Dataset", "ImageItem", "Shape"]
