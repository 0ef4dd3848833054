"""A published event's shape never changes under the same version.

Each ``(type, version)`` has a JSON schema snapshot in ``tests/unit/event_schemas/``. A model
whose shape no longer matches its snapshot must become a new version instead (consumers of
the old one may still be running). For a brand-new event or version, write its snapshot with

    CODEFLIX_WRITE_EVENT_SCHEMAS=1 .venv/bin/pytest tests/unit/test_event_schemas.py

which only ever creates missing files; it never rewrites an existing snapshot.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from codeflix.events import EVENT_MODELS, Envelope, event_schemas

SNAPSHOTS = Path(__file__).parent / "event_schemas"
WRITE = os.environ.get("CODEFLIX_WRITE_EVENT_SCHEMAS") == "1"


def shape(schema: Any) -> Any:
    """The schema without prose (titles, descriptions): wording may change, shape may not."""
    if isinstance(schema, dict):
        return {k: shape(v) for k, v in schema.items() if k not in ("title", "description")}
    if isinstance(schema, list):
        return [shape(v) for v in schema]
    return schema


def current() -> dict[str, Any]:
    return {**event_schemas(), "envelope": Envelope.model_json_schema()}


@pytest.mark.parametrize("name", sorted(current()))
def test_event_shape_matches_its_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.json"
    schema = shape(current()[name])
    if WRITE and not path.exists():
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    assert path.exists(), (
        f"no schema snapshot for {name}: write it with CODEFLIX_WRITE_EVENT_SCHEMAS=1 "
        "(see this module's docstring)"
    )
    assert schema == json.loads(path.read_text()), (
        f"the shape of {name} changed: publish the new shape as a new version of the event "
        f"(only an event never released may have {path.name} deleted and written again)"
    )


def test_every_snapshot_still_has_its_model() -> None:
    names = {p.stem for p in SNAPSHOTS.glob("*.json")}
    assert names, "the snapshots are missing"
    gone = names - set(current())
    assert not gone, f"events {sorted(gone)} lost their models while consumers may await them"


def test_registered_versions_are_named_consistently() -> None:
    assert all(version >= 1 and type_ == type_.lower() for type_, version in EVENT_MODELS)


def test_shape_ignores_prose_but_not_structure() -> None:
    a = {"title": "A", "properties": {"x": {"type": "string", "description": "old words"}}}
    b = {"title": "B", "properties": {"x": {"type": "string", "description": "new words"}}}
    c = {"title": "A", "properties": {"x": {"type": "integer"}}}
    assert shape(a) == shape(b) != shape(c)
