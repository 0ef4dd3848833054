"""Subtitle tracks of a video: uploaded per language (WebVTT or SRT), kept as WebVTT.

An upload of kind ``subtitle`` carries its language, label and flags; when its last byte is in,
the file is read and converted (:mod:`apis.catalog.subtitle_files`), stored at
``videos/<id>/subtitles/<language>.vtt`` and the title's set of tracks goes out as
``video.subtitles.changed``, so the encoder adds it to the HLS tree without re-encoding.
A refused file fails its track: what the video lists as ``ready`` is what viewers get.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.media_checks import NotMedia
from apis.catalog.models import SubtitleTrack, Upload, Video, utcnow
from apis.catalog.publishing import publish
from apis.catalog.subtitle_files import to_webvtt
from apis.catalog.upload_storage import Uploads
from apis.catalog.videos import video_public
from codeflix.events import SubtitleTrack as TrackEvent
from codeflix.problems import NotFound, Problem, UnprocessableContent
from codeflix.subtitles import subtitle_source_key, write_tracks
from codeflix.text import check_storable_text

log = logging.getLogger("codeflix.catalog")
# BCP 47 as players use it: a 2-3 letter language and up to four subtags (pt-BR, zh-Hant-TW).
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$")
LANGUAGE_MAX = 35
LABEL_MAX = 100
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


class SubtitleCheckFailed(Problem):
    """Reading the file broke (not the file's verdict): the upload ends, a new one may follow."""

    status, type_suffix = 500, "media-check-failed"


@dataclass(frozen=True)
class SubtitleOptions:
    """What an admin says about a subtitle upload."""

    language: str
    label: str
    default: bool = False
    forced: bool = False

    def as_metadata(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "label": self.label,
            "default": self.default,
            "forced": self.forced,
        }


def _flag(value: str | bool | None, name: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise UnprocessableContent(
        f"{name} must be true or false", errors=[{"loc": ["query", name], "msg": "not a boolean"}]
    )


def subtitle_options(
    *,
    language: str | None,
    label: str | None,
    default: str | bool | None,
    forced: str | bool | None,
) -> SubtitleOptions:
    """Check the language (BCP 47), label and flags of a subtitle upload; 422 names each bad one."""
    errors: list[dict[str, Any]] = []
    if language is None or len(language) > LANGUAGE_MAX or not LANGUAGE.match(language):
        errors.append({"loc": ["query", "language"], "msg": "a BCP 47 language tag, e.g. pt-BR"})
    label = (label or "").strip()
    try:
        check_storable_text(label)
        if not 1 <= len(label) <= LABEL_MAX:
            raise ValueError(f"1 to {LABEL_MAX} characters")
    except ValueError as e:
        errors.append({"loc": ["query", "label"], "msg": str(e)})
    if errors:
        raise UnprocessableContent("a subtitle needs a language and a label", errors=errors)
    assert language is not None
    # Case as BCP 47 recommends (pt-BR, zh-Hant): one file per language however it is typed.
    return SubtitleOptions(
        _canonical(language), label, _flag(default, "default"), _flag(forced, "forced")
    )


def _canonical(language: str) -> str:
    first, *rest = language.split("-")
    tags = [first.lower()]
    for tag in rest:
        tags.append(tag.upper() if len(tag) == 2 else tag.title() if len(tag) == 4 else tag.lower())
    return "-".join(tags)


def track_of(video: Video, language: str) -> SubtitleTrack | None:
    return next((t for t in video.subtitles if t.language == language), None)


def begin_upload(video: Video, options: SubtitleOptions, upload_id: uuid.UUID) -> None:
    """A track being uploaded for the first time shows ``uploading``; one already ready keeps
    being served until its replacement is in."""
    track = track_of(video, options.language)
    if track is None:
        video.subtitles.append(
            SubtitleTrack(
                language=options.language,
                label=options.label,
                default=options.default,
                forced=options.forced,
                status="uploading",
                upload_id=upload_id,
            )
        )
    elif track.status != "ready":
        track.status, track.error, track.upload_id = "uploading", None, upload_id


def abandon_upload(video: Video, upload_id: uuid.UUID) -> None:
    """An upload given up: a track it was bringing in for the first time goes with it."""
    for track in list(video.subtitles):
        if track.upload_id == upload_id and track.status == "uploading" and not track.location:
            video.subtitles.remove(track)


def ready_tracks(video: Video) -> list[TrackEvent]:
    return [
        TrackEvent(
            language=t.language,
            label=t.label,
            default=t.default,
            forced=t.forced,
            source_key=t.location,
        )
        for t in video.subtitles
        if t.status == "ready" and t.location
    ]


async def complete_upload(session: AsyncSession, uploads: Uploads, upload: Upload) -> None:
    """The last byte of a subtitle is in: convert it to WebVTT, store it, announce the set."""
    video = await session.get(Video, upload.video_id, populate_existing=True, with_for_update=True)
    assert video is not None  # the upload row would be gone with its video
    options = SubtitleOptions(**upload.metadata_["subtitle"])
    store = uploads.store
    try:
        data = await asyncio.to_thread(store.read_bytes, upload.key)
        text = to_webvtt(data)
    except NotMedia as refused:
        await _refuse(session, uploads, upload, video, options, refused)
        raise UnprocessableContent(
            f"the uploaded subtitle was refused: {refused.message}",
            errors=[{"loc": ["body"], "msg": refused.reason}],
        ) from None
    except Exception:
        # A storage hiccup or a parser bug must not leave the upload "receiving" for ever.
        log.exception("reading subtitle upload %s failed", upload.id)
        broken = NotMedia("check_failed", "the file could not be read; upload it again")
        await _refuse(session, uploads, upload, video, options, broken, status="failed")
        raise SubtitleCheckFailed(
            "the uploaded subtitle could not be read; upload it again",
            errors=[{"loc": ["body"], "msg": "check_failed"}],
        ) from None
    finally:
        await _drop(store, upload.key)
    location = subtitle_source_key(str(video.id), options.language)
    await asyncio.to_thread(store.write_bytes, location, text.encode())
    track = track_of(video, options.language)
    if track is None:  # deleted while its upload was under way: the new file brings it back
        track = SubtitleTrack(language=options.language)
        video.subtitles.append(track)
    if options.default:  # one default track at most: the newest one says so
        for other in video.subtitles:
            other.default = False
    track.label, track.default, track.forced = options.label, options.default, options.forced
    track.status, track.error, track.location = "ready", None, location
    track.upload_id, track.updated_at = upload.id, utcnow()
    upload.status = "completed"
    await _announce(session, uploads, video)


async def _refuse(
    session: AsyncSession,
    uploads: Uploads,
    upload: Upload,
    video: Video,
    options: SubtitleOptions,
    refused: NotMedia,
    *,
    status: str = "refused",
) -> None:
    upload.status = status
    track = track_of(video, options.language)
    if track is None:
        track = SubtitleTrack(language=options.language, label=options.label)
        video.subtitles.append(track)
    was_served = track.status == "ready"
    if track.location:
        await _drop(uploads.store, track.location)
    track.status, track.error = "failed", f"{refused.reason}: {refused.message}"
    track.location, track.updated_at = None, utcnow()
    await _announce(session, uploads, video, tracks_changed=was_served)
    # Committed now: the request answers with an error, which rolls back its unit of work,
    # and the ended upload and failed track must be kept all the same.
    await session.commit()


async def delete_subtitle(
    *, session: AsyncSession, uploads: Uploads, video_id: uuid.UUID, language: str
) -> None:
    """Remove one language's track and its file; the encoder drops it from the playlists."""
    # Locked like an upload's completion, so tracks.json is written in the order of commits.
    video = await session.get(Video, video_id, populate_existing=True, with_for_update=True)
    if video is None:
        raise NotFound(f"no video with id {video_id}")
    track = next((t for t in video.subtitles if t.language.lower() == language.lower()), None)
    if track is None:
        raise NotFound(f"video {video_id} has no subtitle in {language!r}")
    video.subtitles.remove(track)
    if track.location:
        await _drop(uploads.store, track.location)
    await _announce(session, uploads, video)


async def _announce(
    session: AsyncSession, uploads: Uploads, video: Video, *, tracks_changed: bool = True
) -> None:
    """Record the ready set beside the files, then publish it with the video's new state."""
    video.updated_at = utcnow()
    await session.flush()
    tracks = ready_tracks(video)
    if tracks_changed:
        await asyncio.to_thread(write_tracks, uploads.store, str(video.id), tracks)
        data = {"video_id": str(video.id), "tracks": [t.model_dump(mode="json") for t in tracks]}
        await publish(session, "video.subtitles.changed", data, subject=str(video.id))
    await publish(session, "video.updated", video_public(video), subject=str(video.id))


async def _drop(store: Any, key: str) -> None:
    try:
        await asyncio.to_thread(store.delete, key)
    except Exception:  # an orphaned object is better than an upload stuck half-way
        log.exception("dropping %s failed", key)
