"""The class map with a room watching: N protocol-level viewers (testkit.protocol, no browsers) poll the page's
fragment each second as their browsers' timers would, and a point is added to the board meanwhile.

    python -m bench.bench_class_map [--viewers 30] [--seconds 20] [--points 3]

Reports the server's CPU per poll (and per second, for N viewers) with nothing changing, beside a reference page
whose fragment does nothing but draw one caption (Streamlit's own cost of a poll), and the update latency: from
a point's insert into the store to each viewer's having the redrawn page ("N points on the class map"), median,
p95 and max over viewers and points. Goal (issue 27): every viewer within 2 s, at most one database read per poll
interval per server. Bounded: at most 64 viewers and 120 s, 127.0.0.1 only; a fresh database in a temporary
folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import print_header, summarize
from testkit.browser import StreamlitServer
from testkit.protocol import ProtocolSession

MAX_VIEWERS, MAX_SECONDS = 64, 120
TICKS = os.sysconf("SC_CLK_TCK")
COUNT = re.compile(r"\*\*(\d+) points\*\* on the class map")
REFERENCE = '''import streamlit as st

@st.fragment(run_every=1.0)
def poll():
    st.caption("nothing new")

st.title("reference")
poll()
'''


def cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def shown_count(session: ProtocolSession) -> int | None:
    for text in session.texts:
        found = COUNT.search(text)
        if found:
            return int(found.group(1))
    return None


async def viewer(base: str, page: str, seconds: float, seen: dict, name: int, opened: asyncio.Barrier) -> int:
    """Open the page, then (once every viewer has) poll its fragment each interval for `seconds`; record when
    each count of points was first seen."""
    async with ProtocolSession(base, page) as session:
        await session.run(timeout=120)
        interval = next(iter(session.auto_reruns.values()))
        await opened.wait()
        polls, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            await asyncio.sleep(interval)
            fragment = list(session.auto_reruns)[-1]  # a full rerun registers the fragment again
            try:
                await session.poll(fragment, timeout=5)
            except TimeoutError:  # a poll the server dropped: the browser's timer simply fires again
                seen["dropped"] = seen.get("dropped", 0) + 1
                continue
            polls += 1
            n = shown_count(session)
            if n is not None:
                seen.setdefault((name, n), time.monotonic())
        return polls


async def watch(base: str, page: str, viewers: int, seconds: float, pid: int | None = None, during=None):
    """(polls, server CPU seconds while polling, first sightings)."""
    seen: dict = {}
    opened = asyncio.Barrier(viewers + 1)
    tasks = [asyncio.create_task(viewer(base, page, seconds, seen, i, opened)) for i in range(viewers)]
    await opened.wait()
    before = cpu(pid) if pid else 0.0
    if during is not None:
        await during(seen)
    polls = sum(await asyncio.gather(*tasks))
    return polls, (cpu(pid) - before if pid else 0.0), seen


def measure(server: StreamlitServer, page: str, viewers: int, seconds: float, during=None):
    return asyncio.run(watch(server.url, page, viewers, seconds, server.proc.pid, during))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--viewers", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--points", type=int, default=3)
    args = ap.parse_args()
    if not 1 <= args.viewers <= MAX_VIEWERS or not 5 <= args.seconds <= MAX_SECONDS or not 1 <= args.points <= 10:
        raise SystemExit(f"--viewers 1 to {MAX_VIEWERS}, --seconds 5 to {MAX_SECONDS}, --points 1 to 10")
    print_header()
    with tempfile.TemporaryDirectory(prefix="bench_class_map_") as tmp:
        os.environ["VAE_EXPLORER_MODELS"] = str(Path(tmp) / "models")  # a fresh database beside it
        os.environ["VAE_EXPLORER_DATABASE"] = str(Path(tmp) / "explorer.sqlite3")
        ref_script = Path(tmp) / "reference.py"
        ref_script.write_text(REFERENCE)
        reference = StreamlitServer(str(ref_script))
        reference.start()
        try:
            asyncio.run(watch(reference.url, "", 1, 3))  # as for the class map: measured warm
            polls, used, _ = measure(reference, "", args.viewers, args.seconds)
        finally:
            reference.stop()
        ref_per_poll = used / max(polls, 1)

        from app.store import ClassPointLimits, SQLiteStore

        store = SQLiteStore(os.environ["VAE_EXPLORER_DATABASE"])
        server = StreamlitServer()
        server.start()
        try:
            asyncio.run(watch(server.url, "class_map", 1, 5))  # the first visitor loads the model and the map
            polls, used, _ = measure(server, "class_map", args.viewers, args.seconds)
            per_poll = used / max(polls, 1)
            inserted = {}

            async def add_points(seen):
                await asyncio.sleep(3)
                for k in range(args.points):
                    store.add_class_point("server", f"{k:032x}", k % 10, bytes(784), 0.1 * k, -0.1 * k, time.time(),
                                          ClassPointLimits(100, 100, 1000))
                    inserted[k + 1] = time.monotonic()
                    await asyncio.sleep(args.seconds / (args.points + 1))
            _, _, seen = measure(server, "class_map", args.viewers, args.seconds, add_points)
        finally:
            server.stop()
            store.close()
    dropped = seen.pop("dropped", 0)
    latencies = [seen[(v, n)] - t for n, t in inserted.items() for v in range(args.viewers) if (v, n) in seen]
    missed = args.viewers * len(inserted) - len(latencies)
    print(f"\n{args.viewers} viewers polling each second for {args.seconds:g} s")
    print(f"| page | server CPU per poll | server CPU per second, {args.viewers} viewers |")
    print("|---|---|---|")
    print(f"| reference: a fragment drawing one caption | {1000 * ref_per_poll:.1f} ms | "
          f"{ref_per_poll * args.viewers:.2f} s |")
    print(f"| class map, nothing new | {1000 * per_poll:.1f} ms ({per_poll / ref_per_poll:.1f}x the reference) | "
          f"{per_poll * args.viewers:.2f} s |")
    if latencies:
        s = summarize(np.asarray(latencies))
        print(f"\nupdate latency, insert -> redrawn page, {len(latencies)} viewer-points: median {s.median:.2f} s, "
              f"p95 {s.p95:.2f} s, max {s.max:.2f} s; {missed} not seen within the run")
    else:
        print(f"\nno viewer saw a new point ({missed} missed)")
    print(f"{dropped} polls were not answered within 5 s")


if __name__ == "__main__":
    main()
