"""A class opening a page at once, driven at the protocol level: N websocket sessions speaking Streamlit's own
messages (testkit.protocol), no browsers, against 1 or more replicas behind nginx (deploy/class_server.py).

    python -m bench.bench_class_load [--replicas 1 2] [--sessions 8 16 32] [--reruns 3] [--page latent_map]

Each session fetches the page's HTML first (nginx sets the cookie that keeps it on one replica, as for a
browser), opens the page, then reruns it --reruns times, reporting the cached messages' hashes as the browser
does. All N start at once. Per (replicas, N): open and rerun median / p95 (seconds from the request to
`script_finished`), the replicas' CPU seconds over the wall time of the load, and the bytes of one open and one
rerun. Each replica has opened the page once before (the first visitor of a server pays for loading the model
and data; a class arrives after the teacher). Goals (issue 29): 32 sessions on this 2-core machine with p95
open <= 3 s and p95 rerun <= 0.5 s; 2 replicas serve >= 1.7x the sessions of 1 at the same p95.
Bounded: at most 64 sessions, 127.0.0.1 only, every run timed out after --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import urllib.request
from pathlib import Path

from bench.harness import print_header, summarize
from deploy.class_server import ROUTE_COOKIE, ClassServer, free_port
from testkit.protocol import ProtocolSession

MAX_SESSIONS = 64
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children that have been waited for (from /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
    return total


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of one process in MB, from /proc: what a replica needs of the machine."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))


def replica_cookie(base: str) -> str:
    """The cookie nginx gives a new browser with the page's HTML."""
    with urllib.request.urlopen(f"{base}/", timeout=30) as r:
        for header in r.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{ROUTE_COOKIE}="):
                return header.split(";", 1)[0]
    raise RuntimeError("nginx set no replica cookie")


async def one_student(base: str, page: str, reruns: int, timeout: float, start: asyncio.Event) -> dict:
    cookie = await asyncio.to_thread(replica_cookie, base)
    await start.wait()
    async with ProtocolSession(base, page, cookie=cookie) as session:
        opened = await session.run(timeout)
        again = [await session.run(timeout) for _ in range(reruns)]
    return {"open": opened, "reruns": again}


async def load(base: str, page: str, sessions: int, reruns: int, timeout: float) -> list[dict]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_student(base, page, reruns, timeout, start)) for _ in range(sessions)]
    await asyncio.sleep(0.5)  # every session has its cookie before any opens: they open at once
    start.set()
    return await asyncio.gather(*tasks)


async def warm(server: ClassServer, page: str, timeout: float) -> None:
    for port in server.replica_ports:  # straight to each replica, so every one has loaded the page once
        async with ProtocolSession(f"http://127.0.0.1:{port}", page) as session:
            await session.run(timeout)


def measure(replicas: int, counts: list[int], page: str, reruns: int, timeout: float) -> list[dict]:
    rows = []
    with ClassServer(replicas, free_port(), "127.0.0.1") as server:
        base = f"http://127.0.0.1:{server.port}"
        asyncio.run(warm(server, page, timeout))
        for n in counts:
            pids = [p.pid for p in server.processes]
            cpu0, t0 = cpu_seconds(pids), time.perf_counter()
            results = asyncio.run(load(base, page, n, reruns, timeout))
            wall, cpu = time.perf_counter() - t0, cpu_seconds(pids) - cpu0
            opens = summarize(r["open"].seconds for r in results)
            again = summarize(x.seconds for r in results for x in r["reruns"])
            peak = max(memory_mb(pid)[1] for pid in pids)
            rows.append({"replicas": replicas, "sessions": n, "open": opens, "rerun": again, "cpu": cpu,
                         "peak_mb": peak, "wall": wall, "open_bytes": results[0]["open"].bytes,
                         "rerun_bytes": results[0]["reruns"][0].bytes if reruns else 0})
            print(f"  {replicas} replica(s), {n:2d} sessions: open {opens.median:.2f} / {opens.p95:.2f} s, "
                  f"rerun {again.median:.2f} / {again.p95:.2f} s, server CPU {cpu:.1f} s over {wall:.1f} s, "
                  f"peak memory per replica {peak:.0f} MB",
                  flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--sessions", type=int, nargs="+", default=[8, 16, 32])
    ap.add_argument("--reruns", type=int, default=3)
    ap.add_argument("--page", default="latent_map", help="the page's URL path (default latent_map)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds one run may take")
    args = ap.parse_args()
    if not all(1 <= n <= MAX_SESSIONS for n in args.sessions) or not all(1 <= r <= 8 for r in args.replicas):
        ap.error(f"--sessions must be 1-{MAX_SESSIONS} and --replicas 1-8")
    print_header()
    rows = [row for r in args.replicas for row in measure(r, args.sessions, args.page, args.reruns, args.timeout)]
    print(f"\n{args.page}: N sessions at once, each an open and {args.reruns} reruns; seconds, median / p95")
    print("| replicas | sessions | open | rerun | server CPU / wall | bytes: open, rerun | peak MB per replica |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['replicas']} | {row['sessions']} | {row['open'].median:.2f} / {row['open'].p95:.2f} | "
              f"{row['rerun'].median:.2f} / {row['rerun'].p95:.2f} | {row['cpu']:.1f} / {row['wall']:.1f} | "
              f"{row['open_bytes']:,}, {row['rerun_bytes']:,} | {row['peak_mb']:.0f} |")
    ok = [r for r in rows if r["open"].p95 <= 3.0 and r["rerun"].p95 <= 0.5]
    for replicas in args.replicas:
        held = max((r["sessions"] for r in ok if r["replicas"] == replicas), default=0)
        print(f"{replicas} replica(s): the most sessions measured within p95 open <= 3 s and rerun <= 0.5 s: {held}")


if __name__ == "__main__":
    main()
