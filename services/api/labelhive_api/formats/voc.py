"""Pascal VOC XML, one file per image: boxes only. One <object> per object (a group is one); a polygon
is written as its box (counted `polygon_as_box`), keypoints and tags are left out (counted).
`voc_labelmap` writes Datumaro's `labelmap.txt` (name:r,g,b:parts:actions)."""

from __future__ import annotations

import posixpath
from collections import Counter
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET

from labelhive_api.formats.coco import objects_of
from labelhive_api.formats.model import Category, FormatError, ImageItem, Shape


def voc_labelmap(categories: list[Category]) -> str:
    lines = ["# label:color_rgb:parts:actions"]
    if "background" not in {c.name for c in categories}:
        lines.append("background:0,0,0::")
    for c in categories:
        colour = (c.color or "#808080").lstrip("#")
        if len(colour) == 3:
            colour = "".join(ch * 2 for ch in colour)
        r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
        lines.append(f"{c.name}:{r},{g},{b}::")
    return "\n".join(lines) + "\n"


def voc_xml(item: ImageItem, folder: str = "JPEGImages", lost: Counter[str] | None = None) -> bytes:
    root = Element("annotation")
    SubElement(root, "folder").text = folder
    SubElement(root, "filename").text = posixpath.basename(item.file_name)
    size = SubElement(root, "size")
    SubElement(size, "width").text = str(item.width or 0)
    SubElement(size, "height").text = str(item.height or 0)
    SubElement(size, "depth").text = "3"
    SubElement(root, "segmented").text = "0"
    lost = lost if lost is not None else Counter()
    for shapes in objects_of(item.shapes):
        for shape in shapes:
            if shape.type in ("tag", "keypoints"):
                lost[f"{shape.type}_not_in_voc"] += 1
            elif shape.type == "polygon":
                lost["polygon_as_box"] += 1
        drawn = [s.bounds() for s in shapes if s.type in ("bbox", "polygon")]
        if not drawn:
            continue
        x, y = min(b[0] for b in drawn), min(b[1] for b in drawn)
        w, h = max(b[0] + b[2] for b in drawn) - x, max(b[1] + b[3] for b in drawn) - y
        obj = SubElement(root, "object")
        SubElement(obj, "name").text = shapes[0].label
        SubElement(obj, "pose").text = "Unspecified"
        SubElement(obj, "truncated").text = "0"
        SubElement(obj, "difficult").text = "0"
        box = SubElement(obj, "bndbox")
        SubElement(box, "xmin").text = _fmt(x)
        SubElement(box, "ymin").text = _fmt(y)
        SubElement(box, "xmax").text = _fmt(x + w)
        SubElement(box, "ymax").text = _fmt(y + h)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def _fmt(value: float) -> str:
    rounded = round(value, 2)
    return str(int(rounded)) if float(rounded).is_integer() else str(rounded)


def read_voc(data: bytes, where: str = "") -> ImageItem:
    """Entity expansion and external entities are refused (defusedxml)."""
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:
        raise FormatError(f"VOC {where}: {exc}") from exc
    if root.tag != "annotation":
        raise FormatError(f"VOC {where}: root element must be <annotation>")
    filename = (root.findtext("filename") or "").strip()
    if not filename:
        raise FormatError(f"VOC {where}: <filename> is missing")
    size = root.find("size")
    width = int(float(size.findtext("width") or 0)) if size is not None else 0
    height = int(float(size.findtext("height") or 0)) if size is not None else 0
    item = ImageItem(file_name=filename, width=width or None, height=height or None)
    for obj in root.iter("object"):
        name = (obj.findtext("name") or "").strip()
        box = obj.find("bndbox")
        if not name or box is None:
            continue
        try:
            x1, y1, x2, y2 = (float(box.findtext(t) or "nan") for t in ("xmin", "ymin", "xmax", "ymax"))
        except ValueError as exc:
            raise FormatError(f"VOC {where}: bad <bndbox> for {name}") from exc
        item.shapes.append(Shape(type="bbox", label=name, x=x1, y=y1, w=x2 - x1, h=y2 - y1))
    return item
