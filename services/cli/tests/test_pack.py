"""Folders are packed into one zip before upload, without hidden files."""

import zipfile

from labelhive_cli.commands import zip_folder


def test_zip_folder_keeps_relative_paths_and_skips_hidden(tmp_path):
    src = tmp_path / "photos"
    (src / "line-1").mkdir(parents=True)
    (src / "line-1" / "a.jpg").write_bytes(b"a")
    (src / "b.png").write_bytes(b"b")
    (src / ".DS_Store").write_bytes(b"x")
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_bytes(b"x")
    out = tmp_path / "photos.zip"
    assert zip_folder(src, out) == 2
    assert sorted(zipfile.ZipFile(out).namelist()) == ["b.png", "line-1/a.jpg"]
