"""The API's format choices (request schemas, OpenAPI) are the registry's, so a format added in one place and
not the other fails here instead of being refused at run time."""

from __future__ import annotations

from typing import get_args

import pytest
from labelhive_api.exports.options import ExportOptions, ExportOptionsError
from labelhive_api.exports.routes import ExportIn
from labelhive_api.formats.registry import EXPORT_FORMATS, FORMATS, IMPORT_FORMATS
from labelhive_api.imports.enqueue import Format


def test_request_schemas_offer_exactly_the_registry_formats() -> None:
    assert set(get_args(Format)) == set(IMPORT_FORMATS)
    assert set(get_args(ExportIn.model_fields["format"].annotation)) == set(EXPORT_FORMATS)


def test_every_importable_dataset_format_says_which_files_it_reads() -> None:
    for name in IMPORT_FORMATS:
        spec = FORMATS[name]
        assert (name in ("images", "tasks")) == (not spec.files), name
        assert spec.reader is not None or name in ("images", "tasks", "yolo"), name


def test_an_unknown_export_format_is_refused_with_the_list() -> None:
    with pytest.raises(ExportOptionsError, match="coco, yolo"):
        ExportOptions(format="darknet")
