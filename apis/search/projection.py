"""Keep the index equal to the catalog, one event at a time.

Every record of the state collection carries the version of the event that wrote it (the
event's ``occurred_at`` in microseconds). An event whose version is not newer than the record's
is skipped: a redelivery changes nothing (idempotent) and an older event arriving after a newer
one does not overwrite it (order-safe). The state record is written last, after the documents,
so an event interrupted halfway (Typesense went away) is applied again in full on its retry.
"""

from __future__ import annotations

import logging
from typing import Any

from apis.search.documents import rename, state_key, video_document
from apis.search.index import TypesenseIndex
from codeflix.events import VideoState

log = logging.getLogger("codeflix.search")

REF_KINDS = ("category", "genre", "cast_member")
_REF_FILTER = {"category": "category_ids", "genre": "genre_ids", "cast_member": "cast_member_ids"}


def _newer(record: dict[str, Any] | None, version: int) -> bool:
    return record is None or int(record["version"]) < version


async def _names(index: TypesenseIndex, video: VideoState) -> dict[str, str]:
    keys = [
        *(state_key("category", i) for i in video.categories),
        *(state_key("genre", i) for i in video.genres),
        *(state_key("cast_member", i) for i in video.cast_members),
    ]
    records = await index.get_states(keys)
    return {
        key: record["name"]
        for key, record in records.items()
        if not record["deleted"] and record.get("active", True)
    }


async def apply_video(index: TypesenseIndex, *, video: VideoState, version: int) -> bool:
    """A video's new state: indexed when published, removed from search otherwise."""
    key = state_key("video", video.id)
    if not _newer(await index.get_state(key), version):
        return False
    if video.published:
        names = await _names(index, video)
        await index.upsert_video(video_document(video, names, version=version))
    else:
        await index.delete_video(video.id)
    await index.put_state(
        {
            "id": key,
            "key": key,
            "kind": "video",
            "version": version,
            "deleted": False,
            "state": video.model_dump(mode="json"),
        }
    )
    return True


async def delete_video(index: TypesenseIndex, *, video_id: str, version: int) -> bool:
    key = state_key("video", video_id)
    if not _newer(await index.get_state(key), version):
        return False
    await index.delete_video(video_id)
    # A tombstone, so an older update arriving late does not bring the video back.
    await index.put_state(
        {"id": key, "key": key, "kind": "video", "version": version, "deleted": True}
    )
    return True


async def apply_reference(
    index: TypesenseIndex,
    *,
    kind: str,
    ref_id: str,
    name: str | None,
    version: int,
    active: bool = True,
) -> bool:
    """A category, genre or cast member changed (``name=None``: deleted).

    Every video document carrying it gets the new name; a deleted or inactive one leaves
    their text and facets.
    """
    key = state_key(kind, ref_id)
    record = await index.get_state(key)
    if not _newer(record, version):
        return False
    shown = name if active else None
    before = (
        None
        if record is None or record["deleted"] or not record.get("active", True)
        else record.get("name")
    )
    if shown != before:
        carrying = await index.videos_where(f"{_REF_FILTER[kind]}:=[`{ref_id}`]")
        for document in carrying:
            await index.upsert_video(rename(document, kind, ref_id, shown))
        if carrying:
            log.info(
                "renamed in search documents",
                extra={"kind": kind, "ref": ref_id, "documents": len(carrying)},
            )
    record = {"id": key, "key": key, "kind": kind, "version": version, "deleted": name is None}
    if name is not None:
        record |= {"name": name, "active": active}
    await index.put_state(record)
    return True


async def rebuild_from_state(
    index: TypesenseIndex, collection: str, *, applied_since: int = 0
) -> int:
    """Fill ``collection`` with the published videos search knows of (from its state
    records); returns how many documents were written.

    With ``applied_since``, only catch up on what was written since then (a rebuild that read
    the catalog meanwhile): those videos again, and the renames of that time.
    """
    states = await index.states_of_kind(["video"], applied_since=applied_since)
    for s in states if applied_since else ():
        if s["deleted"] or not s.get("state", {}).get("published"):
            await index.delete_video_from(collection, s["key"].split(":", 1)[1])
    published = [
        (VideoState.model_validate(s["state"]), int(s["version"]))
        for s in states
        if not s["deleted"] and s.get("state", {}).get("published")
    ]
    names = await index.names_of(REF_KINDS)
    documents = [video_document(video, names, version=version) for video, version in published]
    written = 0
    for start in range(0, len(documents), 1000):
        written += await index.import_videos(collection, documents[start : start + 1000])
    if applied_since:
        for ref in await index.states_of_kind(REF_KINDS, applied_since=applied_since):
            kind, ref_id = ref["kind"], ref["key"].split(":", 1)[1]
            carrying = await index.videos_where(
                f"{_REF_FILTER[kind]}:=[`{ref_id}`]", collection=collection
            )
            for document in carrying:
                await index.upsert_video(
                    rename(document, kind, ref_id, names.get(ref["key"])), collection=collection
                )
    return written
