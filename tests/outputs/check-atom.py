#!/usr/bin/env python3
"""check-atom.py FILE.atom PARSE.jsonl [N]: the Atom feed of
tests/data/outputs/events.jsonl, read back by feedparser and by storywatch
parse (its JSON Lines in PARSE.jsonl); N entries kept (default 3)."""
import json
import sys

import feedparser

# The developments of events.jsonl, newest first.
DEVS = [
    {"title": 'Union says "no deal" on <night shifts> & overtime',
     "link": "https://west.example/a?id=9&s=1",
     "id": "tag:storywatch,2025:harbour-talks/https%3A%2F%2Fwest.example%2Fa%3Fid%3D9%26s%3D1",
     "updated": "2025-04-04T10:00:00Z", "published": "2025-04-04T09:50:00Z",
     "terms": ["talks", "refusal"], "reports": [], "lang": None},
    {"title": "Mediator tables a three-year wage offer",
     "link": "https://south.example/p/60",
     "id": "tag:storywatch,2025:harbour-talks/south-60",
     "updated": "2025-04-03T09:15:00Z", "published": "2025-04-03T09:00:00Z",
     "terms": ["offer"], "lang": "en-GB",
     "reports": ["https://east.example/n/61", "https://north.example/news/107"]},
    {"title": "Port authority and dockers' union open mediated talks",
     "link": "https://north.example/news/101",
     "id": "tag:storywatch,2025:harbour-talks/urn%3Anorth%3A101",
     "updated": "2025-04-02T11:30:00Z", "published": "2025-04-02T07:55:00Z",
     "terms": ["talks", "mediation"], "reports": ["https://south.example/p/55"],
     "lang": None, "update": "Port talks open with a pledge of no strikes during mediation"},
]


def main():
    path, parsed, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3
    want = DEVS[:n]
    fail = []
    d = feedparser.parse(path)
    if d.bozo:
        fail.append(f"feedparser: bozo {d.bozo_exception!r}")
    if d.version != "atom10":
        fail.append(f"feedparser: version {d.version!r}, not atom10")
    if d.feed.get("id") != "tag:storywatch,2025:harbour-talks":
        fail.append(f"feed id {d.feed.get('id')!r}")
    if len(d.entries) != len(want):
        fail.append(f"{len(d.entries)} entries, not {len(want)}")
    for e, w in zip(d.entries, want):
        got = {"title": e.get("title"), "link": e.get("link"), "id": e.get("id"),
               "updated": e.get("updated"), "published": e.get("published"),
               "terms": [t["term"] for t in e.get("tags", [])]}
        for k in got:
            if got[k] != w[k]:
                fail.append(f"entry {w['id']}: {k} is {got[k]!r}, not {w[k]!r}")
        content = e.content[0].value if e.get("content") else ""
        for r in w["reports"]:
            if f'href="{r}"' not in content:
                fail.append(f"entry {w['id']}: no link to the report {r} in {content!r}")
        if w.get("update") and w["update"] not in content:
            fail.append(f"entry {w['id']}: the update is not in the content")
        lang = e.get("content", [{}])[0].get("language")
        if w["lang"] and lang != w["lang"]:
            fail.append(f"entry {w['id']}: language {lang!r}, not {w['lang']!r}")

    # storywatch parse reads the same entries, in the same order.
    items = [json.loads(line) for line in open(parsed, encoding="utf-8") if line.strip()]
    titles = [i.get("title") for i in items]
    if titles != [w["title"] for w in want]:
        fail.append(f"storywatch parse: titles {titles!r}")
    links = [i.get("link") for i in items]
    if links != [w["link"] for w in want]:
        fail.append(f"storywatch parse: links {links!r}")

    for f in fail:
        print("FAIL:", f)
    if not fail:
        print(f"ok: {len(want)} entries read back by feedparser (bozo 0) and storywatch parse")
    return 1 if fail else 0


sys.exit(main())
