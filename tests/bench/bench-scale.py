#!/usr/bin/env python3
"""bench-scale.py: storywatchd's cost per item and per feed as the feeds list grows.

Runs the bench kit's run-peers (shared/bench: gen-corpus, nginx, /usr/bin/time)
once per size with the fetch and parse limits and the storywatch slot, then
prints, per phase, the CPU per item (cold: every item; incremental: per new
item) or per feed (warm: 304s), the ratio to the limits of the same run, and
how each grows against the smallest size.  A flat line means cost in step with
the work.  It measures and reports; it asserts nothing (make check never runs
it).

  tests/bench/bench-scale.py --kit ../shared/bench --storywatchd daemon/storywatchd \\
      --rules rules [--sizes 2000,5000,10000] [--reps 1] [--work DIR]

  or: make bench-scale BENCH_KIT=../shared/bench [BENCH_SIZES=2000,5000,10000]

N=20000 writes about 1.3 GB of XML under --work; delete it afterwards.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def median_cpu(results, peer, phase):
    v = [r["cpu"] for r in results if r["peer"] == peer and r["phase"] == phase and r["exit"] == 0]
    return statistics.median(v) if v else None


def median_rss(results, peer, phase):
    v = [r["rss_mb"] for r in results if r["peer"] == peer and r["phase"] == phase and r["exit"] == 0]
    return statistics.median(v) if v else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kit", required=True, help="the bench kit directory (run-peers)")
    ap.add_argument("--storywatchd", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--sizes", default="2000,5000,10000")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "storywatch-bench-scale"))
    ap.add_argument("--render", nargs="*", help="only print the table from these results-N*.json files")
    a = ap.parse_args()

    files = a.render or []
    if not a.render:
        for n in [int(x) for x in a.sizes.split(",")]:
            out = os.path.join(a.work, "scale-N%d.md" % n)
            cmd = [os.path.join(a.kit, "run-peers"), "-n", str(n), "--reps", str(a.reps),
                   "--peers", "curl-gz,xmllint-stream", "--storywatch", os.path.abspath(a.storywatchd),
                   "--rules", os.path.abspath(a.rules), "--work", a.work, "--out", out]
            print("+ " + " ".join(cmd), file=sys.stderr)
            subprocess.run(cmd, check=True)
            files.append(out[:-3] + ".json")

    rows = []
    for path in files:
        with open(path) as f:
            d = json.load(f)
        c, res = d["corpus"], d["results"]
        n_feeds, n_items, n_new = c["feeds"], c["items"], c["incr_new_items"]
        row = {"feeds": n_feeds, "items": n_items}
        for phase, unit in (("cold", n_items), ("warm", n_feeds), ("incr", n_new)):
            sw = median_cpu(res, "storywatch", phase)
            lim = (median_cpu(res, "curl-gz", phase) or 0) + (median_cpu(res, "xmllint-stream", phase) or 0)
            row[phase] = (sw, lim, sw * 1e6 / unit if sw is not None else None,
                          median_rss(res, "storywatch", phase))
        rows.append(row)
    rows.sort(key=lambda r: r["feeds"])
    if not rows:
        return 0
    base = rows[0]
    print("| feeds | phase | storywatch CPU s | limit CPU s | ratio | µs per unit | vs %d feeds | peak RSS MB |"
          % base["feeds"])
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        for phase, unit in (("cold", "item"), ("warm", "feed"), ("incr", "new item")):
            sw, lim, per, rss = r[phase]
            b = base[phase]
            scale = r["feeds"] / base["feeds"]
            grow = "%.1fx time for %.0fx work" % (sw / b[0], scale) if sw and b[0] else "-"
            print("| %d | %s | %s | %.2f | %s | %s per %s | %s | %s |" % (
                r["feeds"], phase, "%.2f" % sw if sw is not None else "-", lim,
                "%.2f" % (sw / lim) if sw and lim else "-",
                "%.1f" % per if per is not None else "-", unit, grow,
                "%.1f" % rss if rss is not None else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
