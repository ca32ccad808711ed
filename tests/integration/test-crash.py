#!/usr/bin/env python3
"""Crash consistency (SPEC section 8): SIGKILL at random moments loses no
event and writes none twice.

40 feeds x 20 items are served locally over several rounds; each round adds
new items.  A reference run polls each round once without interruption.  The
crash run starts `storywatchd --once` for each round and kills it with SIGKILL
after a random delay, again and again (at least 50 kills in all), then lets it
finish.  Both event logs must hold the same (event, feed, id) set, each
exactly once, with seq strictly increasing and every line whole.

Environment: STORYWATCHD; CRASH_KILLS (default 60), CRASH_SEED.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from importlib import import_module  # noqa: E402

run_case = import_module("run-case")

N_FEEDS = 40
N_ITEMS = 20
N_ROUNDS = 4
NEW_PER_ROUND = 5
WORDS = ("river mountain lantern copper orchard falcon meadow quarry harbor willow "
         "granite thistle ember saddle canyon pepper marble violet tundra acorn "
         "bramble cobalt dune fjord glacier hazel ivory juniper kelp lagoon").split()


def item_xml(rng, feed, n):
    words = " ".join(rng.choice(WORDS) for _ in range(8))
    topic = "ceasefire talks" if n % 2 == 0 else "market report"
    day = 1 + n // 24
    return ("<item><title>%s %s feed%d item%d</title>"
            "<link>http://example.invalid/f%d/i%d</link><guid>f%d-i%d</guid>"
            "<pubDate>%s, %02d Mar 2025 %02d:00:00 GMT</pubDate>"
            "<description>%s number %d of feed %d: %s.</description></item>\n"
            % (topic, words, feed, n, feed, n, feed, n,
               ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"][(day + 5) % 7], day, n % 24,
               topic, n, feed, words))


def write_corpus(root):
    """Round r serves items [r*NEW_PER_ROUND, r*NEW_PER_ROUND + N_ITEMS)."""
    for r in range(N_ROUNDS):
        for feed in range(N_FEEDS):
            rng = random.Random(feed * 1000 + r)
            first = r * NEW_PER_ROUND
            items = [item_xml(random.Random(feed * 100000 + n), feed, n)
                     for n in range(first + N_ITEMS - 1, first - 1, -1)]
            del rng
            with open(os.path.join(root, "r%d-f%d.xml" % (r, feed)), "w") as f:
                f.write('<?xml version="1.0"?>\n<rss version="2.0"><channel>'
                        "<title>Crash feed %d</title><link>http://example.invalid/f%d/</link>\n" % (feed, feed))
                f.writelines(items)
                f.write("</channel></rss>\n")


def script_for(round_):
    return {"/f%d.xml" % feed: [{"status": 200, "body_file": "r%d-f%d.xml" % (round_, feed)}]
            for feed in range(N_FEEDS)}


def run_daemon(work, round_, kill_after=None):
    env = dict(os.environ, STORYWATCH_EVAL_TIME="2025-03-%02dT12:00:00Z" % (18 + round_))
    env.pop("NOTIFY_SOCKET", None)
    env.pop("JOURNAL_STREAM", None)
    cmd = [os.environ["STORYWATCHD"], "--once", "--config", os.path.join(work, "storywatch.conf"),
           "--feeds", os.path.join(work, "feeds.txt"), "--rules", os.path.join(HERE, "rules"),
           "--state-dir", os.path.join(work, "state"),
           "--event-log", os.path.join(work, "events.jsonl"), "--no-notify"]
    p = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    if kill_after is not None:
        time.sleep(kill_after)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.communicate()
            return True
    _, err = p.communicate(timeout=120)
    if p.returncode != 0:
        raise AssertionError("storywatchd exited %d: %s" % (p.returncode, err.decode()))
    return False


def setup(server_base, corpus):
    work = tempfile.mkdtemp(prefix="sw-crash-")
    with open(os.path.join(work, "feeds.txt"), "w") as f:
        for feed in range(N_FEEDS):
            f.write("%s/f%d.xml\n" % (server_base, feed))
    with open(os.path.join(work, "storywatch.conf"), "w") as f:
        f.write("[poll]\nmax_connections = 8\n")
    return work


def read_events(work):
    path = os.path.join(work, "events.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        data = f.read()
    assert data == "" or data.endswith("\n"), "the event log ends in a torn line"
    return [json.loads(line) for line in data.splitlines()]


def check_log(events, what):
    last = 0
    keys = set()
    for e in events:
        assert e["seq"] > last, "%s: seq %d after %d" % (what, e["seq"], last)
        last = e["seq"]
        k = (e["event"], e["feed"], e.get("id"))
        assert k not in keys, "%s: %s written twice" % (what, k)
        keys.add(k)
    return keys


def post_script(server, corpus, round_):
    import urllib.request
    data = json.dumps({"base": corpus, "replies": script_for(round_)}).encode()
    req = urllib.request.Request(server.base + "/__control/script", data=data, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def main():
    kills_wanted = int(os.environ.get("CRASH_KILLS", "60"))
    seed = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    corpus = tempfile.mkdtemp(prefix="sw-corpus-")
    server = run_case.Server()
    works = []
    try:
        write_corpus(corpus)

        # The reference: every round once, uninterrupted; timed to aim the kills.
        ref = setup(server.base, corpus)
        works.append(ref)
        durations = []
        for r in range(N_ROUNDS):
            post_script(server, corpus, r)
            t = time.monotonic()
            run_daemon(ref, r)
            durations.append(time.monotonic() - t)
        ref_keys = check_log(read_events(ref), "reference")
        n_match = sum(1 for k in ref_keys if k[0] == "match")
        assert n_match >= N_FEEDS * (N_ITEMS + (N_ROUNDS - 1) * NEW_PER_ROUND) // 2 - N_FEEDS, \
            "the reference run found only %d matches" % n_match

        # The crash run.
        crash = setup(server.base, corpus)
        works.append(crash)
        kills = 0
        per_round = (kills_wanted + N_ROUNDS - 1) // N_ROUNDS
        for r in range(N_ROUNDS):
            post_script(server, corpus, r)
            span = max(durations[r], 0.05) * 1.2
            attempts = 0
            while attempts < per_round * 3 and kills < per_round * (r + 1):
                attempts += 1
                if run_daemon(crash, r, kill_after=rng.uniform(0, span)):
                    kills += 1
            run_daemon(crash, r)
        crash_keys = check_log(read_events(crash), "crash run")

        assert kills >= min(50, kills_wanted), "only %d kills landed" % kills
        missing = ref_keys - crash_keys
        extra = crash_keys - ref_keys
        assert not missing, "%d events lost, e.g. %s" % (len(missing), sorted(missing)[:3])
        assert not extra, "%d events not in the reference, e.g. %s" % (len(extra), sorted(extra)[:3])
        print("PASS: %d kills (seed %d), %d events, each exactly once" % (kills, seed, len(ref_keys)))
        return 0
    except AssertionError as e:
        print("FAIL (seed %d): %s" % (seed, e))
        if os.environ.get("KEEP_WORK"):
            print("work dirs kept: %s" % " ".join(works))
            works.clear()
        return 1
    finally:
        server.stop()
        for w in works:
            shutil.rmtree(w, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
