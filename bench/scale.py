"""Growth with size: the sync and the pages at two sizes, and the growth factor of every metric.

Run by hand:  .venv/bin/python bench/scale.py [--small 100000] [--sims 1000000] [--fleets 10000]
              [--only sync,pages] [--json PATH] [--database-url URL] [--db-prefix NAME] [--port N]

Runs ``bench/sync.py`` at ``--small`` and at ``--sims`` SIMs (one after the other: each is itself a side-by-side
comparison with the bare download, so its ratios are load-independent), and ``bench/pages.py`` once with
both sizes (side by side in that run). Each writes its ``--json``; this prints, per metric, the value at
each size and the growth factor large / small. Costs that should stay flat per SIM (``s per 1000 sims``,
ratios to the download, page p95) should grow ~1x; totals grow with the size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

HERE = Path(__file__).resolve().parent


def run(script: str, extra: list[str], args, out: Path) -> dict:
    cmd = [sys.executable, str(HERE / script), *extra, "--json", str(out), "--db-prefix", args.db_prefix]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    if args.port:
        cmd += ["--port", str(args.port)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def main() -> None:
    p = _common.parser(__doc__, sims=1_000_000, fleets=10_000)
    p.add_argument("--small", type=int, default=100_000)
    p.add_argument("--only", default="sync,pages", help="which benches: sync, pages (comma-separated)")
    p.add_argument("--repeat", type=int, default=3, help="rounds of bench/sync.py")
    p.add_argument("--requests", type=int, default=100, help="requests per page of bench/pages.py")
    args = p.parse_args()
    figures = _common.Figures()
    only = set(args.only.split(","))
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if "sync" in only:
            at = {}
            for size in (args.small, args.sims):
                fleets = max(1, args.fleets * size // args.sims)  # the same SIMs per fleet at both sizes
                extra = ["--sims", str(size), "--fleets", str(fleets), "--repeat", str(args.repeat)]
                at[size] = run("sync.py", extra, args, Path(tmp) / f"sync-{size}.json")
            for key, small in at[args.small].items():
                large = at[args.sims].get(key)
                if isinstance(small, int | float) and isinstance(large, int | float) and "round" not in key:
                    rows.append((f"sync: {key}", small, large))
        if "pages" in only:
            extra = ["--small", str(args.small), "--sims", str(args.sims), "--fleets", str(args.fleets)]
            extra += ["--requests", str(args.requests)]
            pages = run("pages.py", extra, args, Path(tmp) / "pages.json")
            for key, small in pages.items():
                if key.endswith(f" at {args.small}"):
                    name = key.removesuffix(f" at {args.small}")
                    rows.append((f"pages: {name}", small, pages[f"{name} at {args.sims}"]))
    print(f"\n{'metric':60} {args.small:>12,} {args.sims:>12,} {'growth':>8}")
    for name, small, large in rows:
        growth = large / small if small else float("nan")
        print(f"{name:60} {small:12.2f} {large:12.2f} {growth:8.2f}")
        figures[f"{name} at {args.small}"] = small
        figures[f"{name} at {args.sims}"] = large
        figures[f"{name} growth"] = growth
    print(f"load average {_common.load_average()}")
    figures.write(args.json)


if __name__ == "__main__":
    main()
