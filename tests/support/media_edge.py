"""The nginx media edge of ``manifests/base/playback/media-edge``, configured as its container
configures it (``deploy/media-edge/start.sh`` renders the template), then moved to this machine:
local ports and paths in place of the container's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

EDGE = ROOT / "manifests" / "base" / "playback" / "media-edge"
TEMPLATE = EDGE / "nginx.conf.template"
START = ROOT / "deploy" / "media-edge" / "start.sh"
JS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"


def start_script(
    *args: str, store_url: str | None, storage_url: str | None
) -> subprocess.CompletedProcess[str]:
    """``start.sh`` with these two settings (None: unset) and nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEFLIX_")}
    if store_url is not None:
        env["CODEFLIX_MEDIA_STORE_URL"] = store_url
    if storage_url is not None:
        env["CODEFLIX_STORAGE_URL"] = storage_url
    return subprocess.run(
        ["bash", str(START), *args], env=env, capture_output=True, text=True, timeout=30
    )


def rendered(store_url: str, storage_url: str) -> str:
    """The configuration the container runs nginx with, for these settings."""
    done = start_script("--render", str(TEMPLATE), store_url=store_url, storage_url=storage_url)
    assert done.returncode == 0, done.stderr
    return done.stdout


def local_edge(
    workdir: Path, *, port: int, store_url: str, storage_url: str, playback: str
) -> Path:
    """The container's configuration with this machine's paths and ports (the JavaScript
    module where Debian puts it, grant.js beside the configuration, nginx's files and the
    listening port in ``workdir``, playback at ``playback``); the path of nginx.conf."""
    conf = rendered(store_url, storage_url)
    swaps = {
        r"load_module modules/ngx_http_js_module\.so;": f"load_module {JS_MODULE};",
        r"js_import grant from /etc/nginx/grant\.js;": f"js_import grant from {workdir}/grant.js;",
        r"server playback:8000;": f"server {playback.removeprefix('http://')};",
        r"listen 8080;": f"listen 127.0.0.1:{port};",
        r"/tmp/nginx": str(workdir / "nginx"),
    }
    for pattern, value in swaps.items():
        conf, count = re.subn(pattern, lambda _m, v=value: v, conf)
        assert count >= 1, f"the manifest no longer has {pattern!r}"
    (workdir / "logs").mkdir(exist_ok=True)
    shutil.copy(EDGE / "grant.js", workdir / "grant.js")
    path = workdir / "nginx.conf"
    path.write_text(conf)
    return path
