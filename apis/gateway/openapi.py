"""One OpenAPI document for the embedded platform: every mounted service's paths together.

Clients (the web app's generated types among them) read one document. Two services may name
different schemas alike; the second one's is renamed after its service so neither is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

_METHOD_SUFFIX = re.compile(r"_(get|head|post|put|patch|delete|options)$")


def combined_openapi(
    *, title: str, version: str, services: Sequence[tuple[str, FastAPI]]
) -> dict[str, Any]:
    """Merge the services' documents (paths and component schemas) into one."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security: dict[str, Any] = {}
    for name, app in services:
        doc = app.openapi()
        components = doc.get("components", {})
        renames = {
            schema: f"{name.title()}{schema}"
            for schema, body in components.get("schemas", {}).items()
            if schema in schemas and schemas[schema] != body
        }
        text = json.dumps({"paths": doc.get("paths", {}), "schemas": components.get("schemas", {})})
        for old, new in renames.items():
            text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
        renamed = json.loads(text)
        for schema, body in renamed["schemas"].items():
            schemas[renames.get(schema, schema)] = body
        for path, operations in renamed["paths"].items():
            for method, operation in operations.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    # A GET+HEAD route gets one generated id whose method suffix depends on
                    # set order: name each operation after its own method, every time alike.
                    base = _METHOD_SUFFIX.sub("", operation["operationId"])
                    operation["operationId"] = f"{base}_{method}"
            paths.setdefault(path, {}).update(operations)
        security.update(components.get("securitySchemes", {}))
    components_out: dict[str, Any] = {"schemas": schemas}
    if security:
        components_out["securitySchemes"] = security
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": components_out,
    }


def main() -> None:
    """Print the embedded platform's OpenAPI document (the web app's types come from it)."""
    import tempfile
    import warnings

    from apis.gateway.app import create_app
    from apis.gateway.config import get_settings

    with tempfile.TemporaryDirectory() as data_dir, warnings.catch_warnings():
        # Services answer GET and HEAD on one route: FastAPI warns about the shared id.
        warnings.filterwarnings("ignore", message="Duplicate Operation ID")
        document = create_app(get_settings(data_dir=data_dir)).openapi()
    print(json.dumps(document, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
