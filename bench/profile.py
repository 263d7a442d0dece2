"""Where the server spends its time on one query: py-spy samples `acdstats serve` while a
client repeats the query, then the hottest functions are printed (own time and with callees).

    python -m bench.profile [--small | --medium | --full] [--query Q5] [--seconds 15]
    python -m bench.profile --ingest      # POST /events batches of 1,000 instead

The dataset must exist (run the benchmark of that size once). Raw stacks are kept in
bench/data/ (collapsed format: flamegraph.pl or speedscope read them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.dataset import DATA, prepare
from bench.ingest import fresh_account
from bench.server import Server
from bench.sizes import SIZES, queries


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--small", dest="size", action="store_const", const="small")
    parser.add_argument("--medium", dest="size", action="store_const", const="medium")
    parser.add_argument("--query", default="Q5")
    parser.add_argument("--ingest", action="store_true")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    data = prepare(SIZES[args.size], 1)
    name = "ingest" if args.ingest else args.query
    out = DATA / f"profile-{args.size}-{name}.txt"
    with tempfile.TemporaryDirectory(prefix="acdstats-bench-") as tmp:
        folder = Path(tmp)
        if args.ingest:
            db = folder / "ingest.duckdb"
            server = Server(db, folder, fresh_account(db))
        else:
            server = Server(data.db, folder, data.credentials)
        stop = threading.Event()
        done = [0]

        def load() -> None:
            if args.ingest:
                with data.events.open("rb") as stream:
                    lines = stream.readlines()
                url = f"{server.base}/events"
                headers = {**server.auth, "Content-Type": "application/x-ndjson"}
                for i in range(0, len(lines), 1000):
                    if stop.is_set():
                        break
                    server.client.post(url, content=b"".join(lines[i : i + 1000]),
                                       headers=headers).raise_for_status()  # fmt: skip
                    done[0] += 1
                return
            query = {q.name: q for q in queries(data.size, int(data.meta["busiest_operator"]))}[
                args.query
            ]
            url = server.url("GetACDOperatorStatistics")
            while not stop.is_set():
                server.client.post(url, data=query.params, headers=server.auth).raise_for_status()
                done[0] += 1

        client = threading.Thread(target=load)
        try:
            client.start()
            time.sleep(1.0)
            subprocess.run(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--pid",
                 str(server.process.pid), "--duration", str(int(args.seconds)), "--rate", "200",
                 "--format", "raw", "--output", str(out), "--threads", "--nonblocking"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        finally:
            stop.set()
            client.join()
            server.stop()
    print(f"{name} on {args.size}: {done[0]} requests; stacks in {out}")
    summarise(out, args.top)


def summarise(path: Path, top: int) -> None:
    """Own and inclusive sample counts per function, idle waits left out."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any(w in frames[-1] for w in ("wait (threading", "select (selectors", "get (queue")):
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames[1:]):
            inclusive[frame] += n
    print(f"{total} busy samples")
    for title, counter in (("own time", own), ("with callees", inclusive)):
        print(f"\n{title}:")
        for frame, n in counter.most_common(top):
            print(f"  {100 * n / max(total, 1):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
