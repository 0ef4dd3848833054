"""The viewer web app's built files (``web/dist``), served at ``/`` by the embedded gateway.

A single-page app owns every path the services do not: a deep link such as ``/title/<id>``
gets ``index.html`` and the app's router takes over. API, OIDC and media paths never fall
back to it, so a mistyped API call stays a 404 problem instead of an HTML page.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from codeflix.problems import NotFound

DEFAULT_WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
# Paths that belong to the platform even when no service claims them.
RESERVED_PREFIXES = ("/api/", "/realms/", "/media/", "/healthz", "/readyz", "/metrics")
# Vite puts a content hash in every asset name, so an asset never changes under its URL.
IMMUTABLE = "public, max-age=31536000, immutable"


class WebApp:
    """Answers GET/HEAD for the files of one built single-page app."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    @property
    def built(self) -> bool:
        return (self.root / "index.html").is_file()

    def response(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith(RESERVED_PREFIXES):
            raise NotFound(f"nothing is served at {path}")
        candidate = (self.root / path.lstrip("/")).resolve()
        if candidate.is_relative_to(self.root) and candidate.is_file():
            cache = IMMUTABLE if candidate.parent.name == "assets" else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        if Path(path).suffix and path.startswith("/assets/"):
            # A missing script or stylesheet must not come back as HTML under its name.
            raise NotFound(f"no asset {path}")
        return FileResponse(self.root / "index.html", headers={"Cache-Control": "no-cache"})
