#!/usr/bin/env python3
"""check-digest.py TEXT MAIL: storywatch digest of tests/data/outputs/events.jsonl
as text (one line per development) and with --mail (an RFC 5322 message
Python's email package reads, with the right headers)."""
import email
import email.policy
import email.utils
import sys

DEVS = ["Port authority and dockers' union open mediated talks",
        "Mediator tables a three-year wage offer",
        'Union says "no deal" on <night shifts> & overtime']


def check_body(name, body, fail):
    lines = [l for l in body.splitlines() if l.startswith("- ")]
    if len(lines) != len(DEVS):
        fail.append(f"{name}: {len(lines)} development lines, not {len(DEVS)}")
    for line, title in zip(lines, DEVS):
        if title not in line or "<https://" not in line:
            fail.append(f"{name}: line {line!r} lacks {title!r} or its link")
    if "3 context items" not in body:
        fail.append(f"{name}: no count of the 3 context items")
    if "https://slow.example/feed: timeout after 60 s" not in body or "west.example/rss" in body:
        fail.append(f"{name}: feeds in error wrong")
    if any(len(l) > 998 for l in body.splitlines()):
        fail.append(f"{name}: a line longer than 998 characters")


def main():
    fail = []
    check_body("text", open(sys.argv[1], encoding="utf-8").read(), fail)
    raw = open(sys.argv[2], "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.defects:
        fail.append(f"mail: defects {msg.defects}")
    want = {"To": "Ann Reader <ann@example.org>", "MIME-Version": "1.0",
            "Subject": "storywatch: 3 developments in harbour-talks"}
    for k, v in want.items():
        if str(msg[k]) != v:
            fail.append(f"mail: {k} is {msg[k]!r}, not {v!r}")
    if not str(msg["From"]).startswith("storywatch <storywatch@"):
        fail.append(f"mail: From {msg['From']!r}")
    if email.utils.parsedate_to_datetime(str(msg["Date"])).isoformat() != "2025-04-05T06:00:00+00:00":
        fail.append(f"mail: Date {msg['Date']!r}")
    if msg.get_content_type() != "text/plain" or msg.get_content_charset() != "utf-8":
        fail.append(f"mail: Content-Type {msg['Content-Type']!r}")
    check_body("mail", msg.get_content(), fail)
    for f in fail:
        print("FAIL:", f)
    if not fail:
        print(f"ok: digest has {len(DEVS)} development lines; the mail parses with its headers")
    return 1 if fail else 0


sys.exit(main())
