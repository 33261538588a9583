"""The export format's documentation stays in step with the pydantic models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.data import schema
from bot.data.schema import SCHEMA_VERSION, ExportDocument, export_json_schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = "regenerate it: python -m bot.data.schema > docs/export-schema.json"


def documented_fields() -> set[str]:
    """Field names in the first column of EXPORT.md's tables."""
    text = (DOCS / "EXPORT.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M))


def models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(schema).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == schema.__name__
        and value.model_fields
    ]


def test_committed_json_schema_is_generated_from_the_models() -> None:
    committed = json.loads((DOCS / "export-schema.json").read_text(encoding="utf-8"))
    assert committed == export_json_schema(), REGENERATE


def test_json_schema_pins_the_version_and_refuses_unknown_fields() -> None:
    generated = export_json_schema()
    assert generated["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert generated["additionalProperties"] is False
    assert set(generated["required"]) == set(ExportDocument.model_fields)


def test_every_top_level_field_is_documented() -> None:
    assert set(ExportDocument.model_fields) <= documented_fields()


@pytest.mark.parametrize("model", models(), ids=lambda m: m.__name__)
def test_every_field_of_every_object_is_documented(model: type[BaseModel]) -> None:
    assert set(model.model_fields) - documented_fields() == set()


def test_every_field_has_a_description_in_the_json_schema() -> None:
    for model in models():
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no docstring"


def test_docs_state_the_version_policy_and_how_files_are_referenced() -> None:
    text = (DOCS / "EXPORT.md").read_text(encoding="utf-8")
    assert "## Version policy" in text
    assert f"currently `{SCHEMA_VERSION}`" in text
    assert "file_id" in text
