"""Print the embedded platform's OpenAPI document: ``python -m entrypoints.openapi``.

The web apps' API types are generated from it (``scripts/web.sh api-types``).
"""

from __future__ import annotations

import json
import tempfile

from apis.gateway.app import create_app
from apis.gateway.config import get_settings


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        document = create_app(get_settings(data_dir=data_dir)).openapi()
    print(json.dumps(document, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
