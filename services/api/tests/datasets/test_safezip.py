"""Hostile archives: every refused member is reported with its reason and nothing escapes the folder."""

from __future__ import annotations

import io
import zipfile

from dataset_files import bomb_png, hostile_zip, png
from labelhive_api.imports.images import ImageRefused, inspect_image
from labelhive_api.imports.safezip import ZipLimits, extract, safe_name

LIMITS = ZipLimits(max_file_bytes=2 * 1024 * 1024)


def test_extract_refuses_each_hostile_member_and_writes_only_inside(tmp_path):
    data, expected = hostile_zip({"ok/a.png": png(), "ok/b.png": png(20, 20)})
    dest = tmp_path / "deep" / "dest"
    report = extract(io.BytesIO(data), dest, LIMITS)
    refused = {r.name: r.reason for r in report.refused}
    zip_level = {
        k: v for k, v in expected.items() if v in ("unsafe_path", "symlink", "zip_bomb", "too_large")
    }
    assert refused == zip_level
    # Image-level checks happen at import; extraction keeps the safe files.
    assert sorted(report.extracted) == sorted(
        ["ok/a.png", "ok/b.png", "huge.png", "notes.txt", "fake.jpg", "broken.png"]
    )
    inside = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert inside == set(report.extracted)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and dest not in p.parents]
    assert outside == []
    assert not (tmp_path / "deep" / "escape.png").exists() and not (tmp_path / "escape2.png").exists()


def test_safe_names():
    assert safe_name("a/./b.png") == "a/b.png"
    assert safe_name("a\\b.png") == "a/b.png"
    for bad in ["../x", "a/../../x", "/x", "C:/x", "c:x", "", "a/\x00b"]:
        assert safe_name(bad) is None


def test_a_member_that_lies_about_its_size_is_refused(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("liar.png", png(60, 60))
    raw = bytearray(out.getvalue())
    real = len(png(60, 60))
    # Patch the declared uncompressed size (local header offset 22, central directory too) to 10 bytes.
    raw[22:26] = (10).to_bytes(4, "little")
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")
    report = extract(io.BytesIO(bytes(raw)), tmp_path / "d", LIMITS)
    assert report.extracted == [] and [r.reason for r in report.refused] in (["zip_bomb"], ["corrupt"])
    assert real > 10


def test_image_checks():
    assert inspect_image(png(30, 20), max_pixels=10_000).width == 30
    for data, reason in [
        (bomb_png(), "decompression_bomb"),
        (png(200, 200), "decompression_bomb"),
        (b"hello", "not_an_image"),
        (png()[:30], "corrupt_image"),
    ]:
        try:
            inspect_image(data, max_pixels=10_000)
            raise AssertionError(f"{reason} accepted")
        except ImageRefused as refused:
            assert refused.reason == reason
