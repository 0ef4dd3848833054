"""Search on a real Typesense: indexing speed, and query latency through the API and direct.

Starts the Typesense server `codeflix up` runs, the identity service and the search service
(each alone under uvicorn, one worker, processes of their own), then measures from an httpx
client in this process:

- indexing N generated titles: in bulk (what `codeflix search reindex` does) and one catalog
  event at a time through the search service's own consumer (``--events`` of them);
- Q queries with typos at each concurrency C, alternately in rounds through ``/api/v1/search``
  (a real signed token, checked by the service) and straight to Typesense with the very
  parameters the service sends; p50/p99 of both and the difference, the API's overhead;
- freshness on the embedded platform (the gateway with identity, catalog and search, which
  starts its own Typesense, as `codeflix up` does): ``--changes`` times, an admin publishes a
  title and the seconds until a viewer's search finds it are counted, then unpublishes it and
  the seconds until it is gone (catalog outbox, in-process bus, search's consumer, Typesense).

    .venv/bin/python benchmarks/search.py [--titles 10000] [--queries 2000] [--concurrency 1 4 16]
                                          [--changes 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
API_KEY = "benchmark-typesense-key"
PASSWORD = "Popcorn and 4 films!"

from apis.search.config import get_settings  # noqa: E402
from apis.search.consumers import CatalogEventsConsumer  # noqa: E402
from apis.search.documents import video_document  # noqa: E402
from apis.search.index import TypesenseIndex  # noqa: E402
from apis.search.service import SearchQuery, search_parameters  # noqa: E402
from codeflix.events import VideoState, new_event  # noqa: E402
from codeflix.typesense_server import TypesenseServer, free_port  # noqa: E402
from entrypoints.identity import create_account  # noqa: E402

SYLLABLES = ["ba", "ca", "ção", "de", "fi", "gu", "lo", "ma", "nha", "pe", "ri", "sa", "to",
             "vi", "zé", "cor", "tar", "men", "lin", "dra", "bun", "ny", "ster", "quo"]  # fmt: skip


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def titles(n: int, rng: random.Random) -> list[str]:
    return [" ".join(word(rng) for _ in range(rng.randint(1, 4))).title() for _ in range(n)]


def typo(text: str, rng: random.Random) -> str:
    """One word of ``text`` with a letter dropped, doubled or swapped."""
    chosen = rng.choice(text.split()).lower()
    i = rng.randrange(len(chosen) - 1)
    edits = [chosen[:i] + chosen[i + 1 :], chosen[:i] + chosen[i] + chosen[i:],
             chosen[:i] + chosen[i + 1] + chosen[i] + chosen[i + 2 :]]  # fmt: skip
    return rng.choice(edits)


def video(title: str, n: int) -> VideoState:
    now = datetime.now(UTC)
    return VideoState(
        id=str(uuid.uuid4()), created_at=now, updated_at=now, title=title,
        description=f"Generated title number {n}", launch_year=1950 + n % 75, duration=90,
        rating=["L", "10", "12", "14", "16", "18"][n % 6], opened=False, published=True,
        categories=[], genres=[], cast_members=[], media={},
    )  # fmt: skip


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run_queries(
    requests: list[tuple[str, dict[str, Any]]], headers: dict[str, str], concurrency: int
) -> list[float]:
    """Each (url, params) once, ``concurrency`` at a time; latencies in ms."""
    latencies: list[float] = []
    queue = list(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

        async def worker() -> None:
            while queue:
                url, params = queue.pop()
                start = time.perf_counter()
                response = await client.get(url, params=params)
                latencies.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}: {response.text}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def index_titles(index: TypesenseIndex, names: list[str]) -> float:
    """Bulk import into the collection; returns documents per second."""
    documents = [video_document(video(t, n), {}, version=1) for n, t in enumerate(names)]
    collection = await index.alias_target()
    assert collection is not None
    start = time.perf_counter()
    for i in range(0, len(documents), 1000):
        await index.import_videos(collection, documents[i : i + 1000])
    return len(documents) / (time.perf_counter() - start)


async def index_events(index: TypesenseIndex, names: list[str]) -> float:
    """``video.created`` events through the service's consumer, one at a time (as the queue
    delivers them); returns events per second."""
    consumer = CatalogEventsConsumer(lambda: index)
    envelopes = []
    for n, title in enumerate(names):
        state = video(title, n)
        envelopes.append(new_event("video.created", state, subject=state.id, producer="catalog"))
    start = time.perf_counter()
    for envelope in envelopes:
        await consumer.handle(envelope)
    return len(envelopes) / (time.perf_counter() - start)


def uvicorn_command(factory: str, port: int) -> list[str]:
    """One uvicorn worker serving the app ``factory`` builds, quiet."""
    return [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port),
            "--log-level", "warning", "--no-access-log"]  # fmt: skip


def sign_in(issuer_base: str, email: str) -> str:
    """An access token for ``email`` from the identity service at ``issuer_base``."""
    form = {"grant_type": "password", "client_id": "codeflix-cli", "username": email,
            "password": PASSWORD}  # fmt: skip
    url = f"{issuer_base}/realms/codeflix/protocol/openid-connect/token"
    return str(httpx.post(url, data=form).json()["access_token"])


class Services:
    """Typesense, identity and search running, each a process of its own."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.typesense = TypesenseServer(work / "typesense", api_key=API_KEY)
        self.processes: list[subprocess.Popen[bytes]] = []
        identity_port, search_port = free_port(), free_port()
        self.issuer_base = f"http://127.0.0.1:{identity_port}"
        self.search_base = f"http://127.0.0.1:{search_port}"
        self.ports = {"identity": identity_port, "search": search_port}

    def __enter__(self) -> Services:
        asyncio.run(create_account(data_dir=self.work, email="bench@example.com",
                                   password=PASSWORD, name="Bench", roles=["user"]))  # fmt: skip
        self.typesense.start()
        self.typesense.wait_healthy()
        env = {**os.environ, "CODEFLIX_DATA_DIR": str(self.work),
               "CODEFLIX_LOG_LEVEL": "WARNING", "CODEFLIX_PUBLIC_URL": self.issuer_base,
               "CODEFLIX_TYPESENSE_URL": self.typesense.url,
               "CODEFLIX_TYPESENSE_API_KEY": API_KEY}  # fmt: skip
        for name, port in self.ports.items():
            command = uvicorn_command(f"apis.{name}.app:create_app", port)
            self.processes.append(subprocess.Popen(command, cwd=ROOT, env=env))
        wait_http(f"{self.search_base}/readyz")
        wait_http(f"{self.issuer_base}/healthz")
        return self

    def token(self) -> str:
        return sign_in(self.issuer_base, "bench@example.com")

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)
        self.typesense.stop()


class EmbeddedGateway:
    """The gateway with identity, catalog and search in one process, its Typesense a child of
    it: the embedded platform's search path, end to end."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.base = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> EmbeddedGateway:
        asyncio.run(create_account(data_dir=self.work, email="admin@example.com",
                                   password=PASSWORD, name="Admin", roles=["admin"]))  # fmt: skip
        env = {**os.environ, "CODEFLIX_DATA_DIR": str(self.work),
               "CODEFLIX_LOG_LEVEL": "WARNING", "CODEFLIX_PUBLIC_URL": self.base,
               "CODEFLIX_GATEWAY_SERVICES": "identity,catalog,search"}  # fmt: skip
        env.pop("CODEFLIX_TYPESENSE_URL", None)
        command = uvicorn_command("apis.gateway.app:create_app", int(self.base.rsplit(":", 1)[1]))
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        wait_http(f"{self.base}/readyz", seconds=120)
        return self

    def token(self) -> str:
        return sign_in(self.base, "admin@example.com")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)


async def seconds_until(client: httpx.AsyncClient, title: str, present: bool) -> float:
    """Polls the search every 5 ms until ``title`` is (or is no longer) among its hits."""
    start = time.perf_counter()
    while True:
        r = await client.get("/api/v1/search", params={"q": title, "per_page": 50})
        if r.status_code != 200:
            raise SystemExit(f"search answered {r.status_code}: {r.text}")
        if (title in [hit["title"] for hit in r.json()["items"]]) == present:
            return time.perf_counter() - start
        if time.perf_counter() - start > 60:
            raise SystemExit(f"{title!r} {'never appeared' if present else 'never left'}")
        await asyncio.sleep(0.005)


async def measure_freshness(gateway: EmbeddedGateway, changes: int) -> dict[str, Any]:
    rng = random.Random(17)
    headers = {"Authorization": f"Bearer {gateway.token()}"}
    published: list[float] = []
    unpublished: list[float] = []
    async with httpx.AsyncClient(base_url=gateway.base, headers=headers, timeout=30) as client:
        for n in range(changes):
            title = f"{word(rng)} {word(rng)} {n}".title()
            video = {"title": title, "launch_year": 2020, "duration": 10, "rating": "L",
                     "published": True}  # fmt: skip
            r = await client.post("/api/v1/admin/videos", json=video)
            if r.status_code != 201:
                raise SystemExit(f"creating a video answered {r.status_code}: {r.text}")
            published.append(await seconds_until(client, title, present=True))
            r = await client.patch(f"/api/v1/admin/videos/{r.json()['id']}",
                                   json={"published": False},
                                   headers={"If-Match": r.headers["etag"]})  # fmt: skip
            if r.status_code != 200:
                raise SystemExit(f"unpublishing answered {r.status_code}: {r.text}")
            unpublished.append(await seconds_until(client, title, present=False))

    def summary(samples: list[float]) -> dict[str, float]:
        return {"p50_ms": percentile(samples, 50) * 1000, "p99_ms": percentile(samples, 99) * 1000,
                "max_ms": max(samples) * 1000}  # fmt: skip

    return {"changes": changes, "published": summary(published),
            "unpublished": summary(unpublished)}  # fmt: skip


async def measure(args: argparse.Namespace, services: Services, token: str) -> dict[str, Any]:
    rng = random.Random(13)
    settings = get_settings(typesense_url=services.typesense.url, typesense_api_key=API_KEY)
    index = TypesenseIndex(url=services.typesense.url, api_key=API_KEY,
                           alias=settings.search_collection,
                           state_collection=settings.search_state_collection)  # fmt: skip
    viewer = {"Authorization": f"Bearer {token}"}
    try:
        names = titles(args.titles, rng)
        bulk_rate = await index_titles(index, names)
        event_rate = await index_events(index, titles(args.events, rng))
        queries = [typo(rng.choice(names), rng) for _ in range(args.queries)]
        api_url = f"{services.search_base}/api/v1/search"
        direct_url = (
            f"{services.typesense.url}/collections/{settings.search_collection}/documents/search"
        )
        # Warm both paths (connections, the JWKS fetch, Typesense's first terms).
        await run_queries([(api_url, {"q": q}) for q in queries[:50]], viewer, 4)
        levels = [
            await compare_paths(queries, api_url, direct_url, viewer, concurrency)
            for concurrency in args.concurrency
        ]
    finally:
        await index.close()
    return {
        "titles": args.titles,
        "bulk_documents_per_s": bulk_rate,
        "events": args.events,
        "events_per_s": event_rate,
        "queries": len(queries),
        "levels": levels,
    }


async def compare_paths(
    queries: list[str], api_url: str, direct_url: str, viewer: dict[str, str], concurrency: int
) -> dict[str, Any]:
    """The queries through the API and straight to Typesense, alternately in 8 rounds so a
    burst of load elsewhere on the machine falls on both paths alike."""
    samples: dict[str, list[float]] = {"api": [], "direct": []}
    busy = {"api": 0.0, "direct": 0.0}
    rounds = 8
    per_round = len(queries) // rounds
    key = {"X-TYPESENSE-API-KEY": API_KEY}
    for r in range(rounds):
        chunk = queries[r * per_round : (r + 1) * per_round]
        runs = [
            ("api", [(api_url, {"q": q}) for q in chunk], viewer),
            ("direct", [(direct_url, search_parameters(SearchQuery(q=q))) for q in chunk], key),
        ]
        for path, requests, headers in runs:
            start = time.perf_counter()
            samples[path] += await run_queries(requests, headers, concurrency)
            busy[path] += time.perf_counter() - start

    def summary(path: str) -> dict[str, float]:
        ms = samples[path]
        return {"p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
                "mean_ms": statistics.fmean(ms), "per_s": len(ms) / busy[path]}  # fmt: skip

    return {"concurrency": concurrency, "api": summary("api"), "direct": summary("direct")}


FRESHNESS_ROWS = [("published", "published → found"), ("unpublished", "unpublished → gone")]


def level_rows(level: dict[str, Any]) -> list[str]:
    api, direct, c = level["api"], level["direct"], level["concurrency"]
    return [
        f"| {c} | `/api/v1/search` | {api['p50_ms']:.1f} | {api['p99_ms']:.1f} | "
        f"{api['mean_ms']:.1f} | {api['per_s']:.0f} |",
        f"| {c} | Typesense directly | {direct['p50_ms']:.1f} | {direct['p99_ms']:.1f} | "
        f"{direct['mean_ms']:.1f} | {direct['per_s']:.0f} |",
        f"| {c} | API overhead | {api['p50_ms'] - direct['p50_ms']:.1f} | "
        f"{api['p99_ms'] - direct['p99_ms']:.1f} | {api['mean_ms'] - direct['mean_ms']:.1f} | |",
    ]


def report(result: dict[str, Any]) -> None:
    load = os.getloadavg()[0]
    fresh = result["freshness"]
    lines = [
        f"Search ({os.cpu_count()} CPUs, load average {load:.1f} at the end, loopback; "
        "Typesense 0.24.1, one uvicorn worker, client in the same machine)",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| bulk indexing of {result['titles']} titles | "
        f"{result['bulk_documents_per_s']:.0f} documents/s |",
        f"| catalog events applied one at a time ({result['events']}) | "
        f"{result['events_per_s']:.0f} events/s |",
        "",
        f"{result['queries']} queries with a typo each, at each concurrency:",
        "",
        "| concurrency | path | p50 ms | p99 ms | mean ms | queries/s |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
        *(line for level in result["levels"] for line in level_rows(level)),
        "",
        f"Freshness on the embedded platform, {fresh['changes']} changes one after another "
        "(the admin's answer to the viewer's search finding it; polled every 5 ms):",
        "",
        "| change | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {label} | {fresh[key]['p50_ms']:.0f} | {fresh[key]['p99_ms']:.0f} | "
            f"{fresh[key]['max_ms']:.0f} |"
            for key, label in FRESHNESS_ROWS
        ),
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.md").write_text(table + "\n")
    (RESULTS / "search.json").write_text(json.dumps(result, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16],
                        help="queries in flight; each level is measured in turn")  # fmt: skip
    parser.add_argument("--changes", type=int, default=50,
                        help="publish/unpublish rounds timed on the embedded platform")  # fmt: skip
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="codeflix-search-bench-"))
    with Services(work / "services") as services:
        result = asyncio.run(measure(args, services, services.token()))
    with EmbeddedGateway(work / "embedded") as gateway:
        result["freshness"] = asyncio.run(measure_freshness(gateway, args.changes))
    report(result)


if __name__ == "__main__":
    main()
