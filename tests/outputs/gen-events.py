#!/usr/bin/env python3
"""gen-events.py [N] > events.jsonl: N synthetic events (default 10000) of one
storyline over 30 days, for timing storywatch report and feed: developments,
other outlets' reports of them, updates, context items and feed errors, in
the proportions of a busy story.  Deterministic (fixed seed)."""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
rnd = random.Random(12)
outlets = [f"https://outlet{i}.example" for i in range(40)]
words = ("talks offer strike port union mediator wage pledge vote ferry crane dock shift "
         "night pay deal board court ruling quay berth").split()
t0 = 1743465600   # 2025-04-01T00:00:00Z
step = 30 * 86400 / n
devs, items = [], []


def stamp(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


for seq in range(1, n + 1):
    t = int(t0 + seq * step)
    r = rnd.random()
    o = rnd.choice(outlets)
    title = " ".join(rnd.choice(words) for _ in range(8)).capitalize()
    base = {"seq": seq, "time": stamp(t)}
    if r < 0.04:
        ev = {**base, "event": rnd.choice(["feed_error", "feed_ok"]), "feed": o + "/rss",
              "error": "HTTP 503"}
    else:
        iid = f"{o}/n/{seq}"
        ev = {**base, "event": "match", "feed": o + "/rss", "id": iid, "title": title,
              "link": iid, "published": stamp(t - 300), "storyline": "harbour-talks",
              "rules": rnd.sample(words, 2), "score": round(rnd.uniform(1, 9), 1),
              "action": "log", "duplicate_of": None}
        if r < 0.15:
            ev["action"] = "notify"
            devs.append(ev)
        elif r < 0.50 and devs:
            ev["duplicate_of"] = rnd.choice(devs[-20:])["id"]
        elif r < 0.55 and devs:
            d = rnd.choice(devs[-20:])
            ev = {**d, **base, "event": "update", "title": d["title"] + " (updated)"}
    print(json.dumps(ev, ensure_ascii=False))
