"""Subtitle uploads through tus: SRT and WebVTT kept as WebVTT, bad files refused by line."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.support.catalog import CatalogHarness

VIDEO = {"title": "Sintel", "launch_year": 2010, "duration": 15, "rating": "12"}
SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nOlá, <i>mundo</i>\r\n\r\n"
    "2\r\n00:00:04,000 --> 00:00:06,000\r\nSegunda linha\r\ncom duas linhas\r\n"
).encode()
VTT = (
    b"WEBVTT\n\n00:01.000 --> 00:02.000 line:90%\nHello\n\n"
    b"end\n00:00:05.000 --> 00:00:07.000\nBye\n"
)


def media_root(catalog: CatalogHarness) -> Path:
    return Path(catalog.app.state.settings.storage_url.removeprefix("file://"))


def subtitle_events(catalog: CatalogHarness, video_id: str) -> list[dict]:
    return [
        e.data
        for e in catalog.events
        if e.type == "video.subtitles.changed" and e.subject == video_id
    ]


async def test_an_srt_becomes_webvtt_and_is_announced(catalog: CatalogHarness) -> None:
    video = await catalog.create("videos", VIDEO)
    response = await catalog.upload(
        video["id"], SRT, kind="subtitle", language="pt-br", label="Português", default="true"
    )
    assert response.status_code == 204, response.text
    stored = media_root(catalog) / f"videos/{video['id']}/subtitles/pt-BR.vtt"
    assert stored.read_text() == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nOlá, <i>mundo</i>\n\n"
        "00:00:04.000 --> 00:00:06.000\nSegunda linha\ncom duas linhas\n"
    )
    shown = await catalog.video(video["id"])
    assert shown["subtitles"] == [
        {"language": "pt-BR", "label": "Português", "default": True, "forced": False,
         "status": "ready", "error": None}
    ]  # fmt: skip
    event = await catalog.wait_for_event(
        lambda e: e.type == "video.subtitles.changed" and e.subject == video["id"]
    )
    assert event.data == {
        "video_id": video["id"],
        "tracks": [
            {"language": "pt-BR", "label": "Português", "default": True, "forced": False,
             "source_key": f"videos/{video['id']}/subtitles/pt-BR.vtt"}
        ],
    }  # fmt: skip
    # The encoder reads the set from storage, where the catalog keeps it beside the files.
    recorded = json.loads((stored.parent / "tracks.json").read_text())
    assert recorded == event.data["tracks"]
    # Nothing of the raw upload is left behind.
    assert not (media_root(catalog) / f"videos/{video['id']}/subtitle").exists() or not list(
        (media_root(catalog) / f"videos/{video['id']}/subtitle").iterdir()
    )


async def test_a_webvtt_in_metadata_then_a_second_language_and_a_replacement(
    catalog: CatalogHarness,
) -> None:
    video = await catalog.create("videos", VIDEO)
    tus = {**catalog.admin, "Tus-Resumable": "1.0.0"}

    def meta(**values: str) -> str:
        return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())

    # A tus client that only sets Upload-Metadata (as tuspy does) names the track there.
    created = await catalog.client.post(
        f"/api/v1/admin/videos/{video['id']}/uploads",
        headers={
            **tus,
            "Upload-Length": str(len(VTT)),
            "Upload-Metadata": meta(kind="subtitle", language="en", label="English", forced="1"),
        },
    )
    assert created.status_code == 201, created.text
    done = await catalog.client.patch(
        created.headers["location"],
        content=VTT,
        headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert done.status_code == 204, done.text
    assert (await catalog.upload(video["id"], SRT, kind="subtitle", language="pt-BR",
                                 label="Português")).status_code == 204  # fmt: skip
    again = VTT.replace(b"Hello", b"Hi again")
    response = await catalog.upload(
        video["id"], again, kind="subtitle", language="EN", label="English (US)"
    )
    assert response.status_code == 204, response.text
    shown = (await catalog.video(video["id"]))["subtitles"]
    assert [(t["language"], t["label"], t["forced"], t["status"]) for t in shown] == [
        ("en", "English (US)", False, "ready"),
        ("pt-BR", "Português", False, "ready"),
    ]
    text = (media_root(catalog) / f"videos/{video['id']}/subtitles/en.vtt").read_text()
    assert "Hi again" in text and "line:90%" in text
    await catalog.wait_for_event(lambda e: len(subtitle_events(catalog, video["id"])) == 3)
    last = subtitle_events(catalog, video["id"])[-1]
    assert [t["language"] for t in last["tracks"]] == ["en", "pt-BR"]


async def test_a_bad_file_is_refused_naming_its_line(catalog: CatalogHarness) -> None:
    video = await catalog.create("videos", VIDEO)
    bad = b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nbroken\n"
    response = await catalog.upload(video["id"], bad, kind="subtitle", language="fr", label="FR")
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "line 6" in problem["detail"], problem
    assert problem["errors"] == [{"loc": ["body"], "msg": "not_subtitles"}]
    (track,) = (await catalog.video(video["id"]))["subtitles"]
    assert track["status"] == "failed" and track["error"].startswith("not_subtitles: line 6")
    assert not (media_root(catalog) / f"videos/{video['id']}/subtitles/fr.vtt").exists()
    # Binary, not UTF-8, an empty cue list: each refused with what is wrong.
    for data, expected in (
        (b"\x00\x01\x02PNG", "NUL"),
        (b"WEBVTT\n\n00:01.000 --> 00:02.000\n\xff\xfe\n", "line 4: the file is not UTF-8"),
        (b"WEBVTT\n\nNOTE nothing here\n", "no cues"),
        (b"1\n00:00:05,000 --> 00:00:01,000\nbackwards\n", "line 2: the cue ends before"),
    ):
        response = await catalog.upload(video["id"], data, kind="subtitle", language="fr",
                                        label="FR")  # fmt: skip
        assert response.status_code == 422 and expected in response.json()["detail"], response.text


async def test_a_refused_replacement_takes_the_track_out_of_the_stream(
    catalog: CatalogHarness,
) -> None:
    video = await catalog.create("videos", VIDEO)
    await catalog.upload(video["id"], VTT, kind="subtitle", language="en", label="English")
    response = await catalog.upload(video["id"], b"garbage", kind="subtitle", language="en",
                                    label="English")  # fmt: skip
    assert response.status_code == 422
    (track,) = (await catalog.video(video["id"]))["subtitles"]
    assert track["status"] == "failed"
    await catalog.wait_for_event(lambda e: len(subtitle_events(catalog, video["id"])) == 2)
    assert subtitle_events(catalog, video["id"])[-1]["tracks"] == []


async def test_deleting_a_subtitle(catalog: CatalogHarness) -> None:
    video = await catalog.create("videos", VIDEO)
    await catalog.upload(video["id"], VTT, kind="subtitle", language="en", label="English")
    await catalog.upload(video["id"], SRT, kind="subtitle", language="pt-BR", label="Português")
    path = f"/api/v1/admin/videos/{video['id']}/subtitles"
    assert (await catalog.client.delete(f"{path}/en", headers=catalog.viewer)).status_code == 403
    assert (await catalog.client.delete(f"{path}/de", headers=catalog.admin)).status_code == 404
    other = "/api/v1/admin/videos/00000000-0000-0000-0000-000000000000/subtitles/en"
    assert (await catalog.client.delete(other, headers=catalog.admin)).status_code == 404
    response = await catalog.client.delete(f"{path}/en", headers=catalog.admin)
    assert response.status_code == 204, response.text
    assert [t["language"] for t in (await catalog.video(video["id"]))["subtitles"]] == ["pt-BR"]
    assert not (media_root(catalog) / f"videos/{video['id']}/subtitles/en.vtt").exists()
    await catalog.wait_for_event(lambda e: len(subtitle_events(catalog, video["id"])) == 3)
    assert [t["language"] for t in subtitle_events(catalog, video["id"])[-1]["tracks"]] == ["pt-BR"]


async def test_careless_subtitle_uploads_are_refused(catalog: CatalogHarness) -> None:
    video = await catalog.create("videos", VIDEO)
    url = f"/api/v1/admin/videos/{video['id']}/uploads"
    tus = {"Tus-Resumable": "1.0.0", "Upload-Length": "100"}
    cases = [
        ({"kind": "subtitle", "label": "x"}, "language"),
        ({"kind": "subtitle", "language": "english!", "label": "x"}, "language"),
        ({"kind": "subtitle", "language": "en"}, "label"),
        ({"kind": "subtitle", "language": "en", "label": "   "}, "label"),
        ({"kind": "subtitle", "language": "en", "label": "x", "default": "maybe"}, "default"),
    ]
    for params, field in cases:
        response = await catalog.client.post(url, params=params, headers={**catalog.admin, **tus})
        assert response.status_code == 422, (params, response.text)
        assert field in json.dumps(response.json()["errors"]), response.text
    too_big = {**catalog.admin, **tus, "Upload-Length": str(2 * 1024 * 1024 + 1)}
    response = await catalog.client.post(
        url, params={"kind": "subtitle", "language": "en", "label": "x"}, headers=too_big
    )
    assert response.status_code == 413
    response = await catalog.client.post(
        url,
        params={"kind": "subtitle", "language": "en", "label": "x"},
        headers={**catalog.viewer, **tus},
    )
    assert response.status_code == 403
    assert (await catalog.video(video["id"]))["subtitles"] == []


async def test_a_reader_that_breaks_ends_the_upload_and_a_new_one_may_follow(
    catalog: CatalogHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: bytes) -> str:
        raise IndexError("list index out of range")

    video = await catalog.create("videos", VIDEO)
    with monkeypatch.context() as patched:
        patched.setattr("apis.catalog.subtitles.to_webvtt", broken)
        response = await catalog.upload(video["id"], VTT, kind="subtitle", language="en",
                                        label="English")  # fmt: skip
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"loc": ["body"], "msg": "check_failed"}]
    (track,) = (await catalog.video(video["id"]))["subtitles"]
    assert track["status"] == "failed" and track["error"].startswith("check_failed")
    again = await catalog.upload(video["id"], VTT, kind="subtitle", language="en", label="English")
    assert again.status_code == 204
    (track,) = (await catalog.video(video["id"]))["subtitles"]
    assert track["status"] == "ready"
