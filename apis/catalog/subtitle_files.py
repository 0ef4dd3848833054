"""Read an uploaded subtitle file (WebVTT or SRT) and turn it into the WebVTT Codeflix keeps.

webvtt-py parses and writes the files, but it skips a cue it cannot read rather than saying
where: a line scan first refuses what would be lost, naming the line, so an admin can fix it.
"""

from __future__ import annotations

import io
import re

from apis.catalog.media_checks import NotMedia

REASON = "not_subtitles"
# WebVTT: [hh:]mm:ss.ttt; SRT: hh:mm:ss,ttt (webvtt-py also takes a dot, as many tools write).
_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_SRT_TIME = r"\d{1,2}:[0-5]?\d:[0-5]?\d[,.]\d{1,3}"
_TIMINGS = {
    "vtt": re.compile(rf"^\s*({_VTT_TIME})[ \t]+-->[ \t]+({_VTT_TIME})(?:[ \t].*)?$"),
    "srt": re.compile(rf"^\s*({_SRT_TIME})\s*-->\s*({_SRT_TIME})\s*$"),
}


def _refuse(message: str) -> NotMedia:
    return NotMedia(REASON, message)


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(p) * 60**i for i, p in enumerate(reversed(parts)))


def decode(data: bytes) -> str:
    """The file's text: UTF-8, a byte order mark allowed; line ends made ``\\n``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise _refuse(f"line {line}: the file is not UTF-8 text (byte {e.start})") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _refuse(f"line {line}: the file holds a NUL character, so it is not subtitles")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_lines(text: str, kind: str) -> None:
    """Refuse the first cue webvtt-py would silently drop or misread, naming its line."""
    lines = text.split("\n")
    pattern, cues, previous_blank = _TIMINGS[kind], 0, True
    for number, line in enumerate(lines, start=1):
        if "-->" in line:
            match = pattern.match(line)
            if match is None:
                raise _refuse(f"line {number}: {line.strip()[:80]!r} is not a valid cue timing")
            start, end = (_seconds(match.group(i)) for i in (1, 2))
            if end < start:
                raise _refuse(f"line {number}: the cue ends before it starts")
            cues += 1
        elif kind == "srt" and previous_blank and line.strip().isdigit():
            # An SRT cue is its number, then its timings on the very next line.
            following = lines[number] if number < len(lines) else ""
            if "-->" not in following:
                raise _refuse(f"line {number + 1}: cue {line.strip()} has no timings after it")
        elif kind == "srt" and previous_blank and line.strip() and cues == 0:
            raise _refuse(
                f"line {number}: {line.strip()[:80]!r} starts neither a WebVTT file (WEBVTT) "
                "nor an SRT cue (its number)"
            )
        previous_blank = not line.strip()
    if cues == 0:
        raise _refuse("the file has no cues")


def to_webvtt(data: bytes) -> str:
    """The uploaded bytes as WebVTT text; raises :class:`NotMedia` (``not_subtitles``)."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    text = decode(data)
    first = text.lstrip("\n").split("\n", 1)[0]
    kind = "vtt" if first.startswith("WEBVTT") else "srt"
    if kind == "vtt" and first not in ("WEBVTT",) and first[6:7] not in (" ", "\t"):
        raise _refuse(f"line 1: {first[:80]!r} is not a WebVTT header")
    _check_lines(text, kind)
    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(text.lstrip("\n")), format=kind)
        if not captions.captions:
            raise _refuse("the file has no cues with text")
        return str(captions.content)
    except (MalformedCaptionError, MalformedFileError, ValueError) as e:
        raise _refuse(f"the {kind.upper()} file cannot be read: {e}") from None
