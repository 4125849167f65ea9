"""Pascal VOC XML, one file per image: boxes only (polygons and keypoints are written as their box)."""

from __future__ import annotations

import posixpath
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET

from labelhive_api.formats.model import FormatError, ImageItem, Shape


def voc_xml(item: ImageItem, folder: str = "JPEGImages") -> bytes:
    root = Element("annotation")
    SubElement(root, "folder").text = folder
    SubElement(root, "filename").text = posixpath.basename(item.file_name)
    size = SubElement(root, "size")
    SubElement(size, "width").text = str(item.width or 0)
    SubElement(size, "height").text = str(item.height or 0)
    SubElement(size, "depth").text = "3"
    SubElement(root, "segmented").text = "0"
    for shape in item.shapes:
        if shape.type == "tag":
            continue
        x, y, w, h = shape.bounds()
        obj = SubElement(root, "object")
        SubElement(obj, "name").text = shape.label
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
