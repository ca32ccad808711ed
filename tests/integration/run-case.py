#!/usr/bin/env python3
"""Runs storywatchd --once against server.py for each case file given.

A case (JSON) names the feeds (paths on the test server), an optional config
text, and a list of runs.  Each run installs the server's replies, runs the
daemon once with STORYWATCH_EVAL_TIME, then compares:
  requests   per path, in order: method (default GET) and headers, where a
             header value null means "must be absent" and a name ending in
             "~" matches a substring
  events     the lines appended to the event log in this run, as a multiset:
             each expected object's keys must match (a key ending in "~"
             matches a substring); "feed" paths are made absolute URLs
  status     `storywatch status --json` fields per feed path
  exit       the daemon's exit status (default 0)
  args       more options for storywatchd (-v, --force)
  stderr~    a text (or a list of texts) the daemon's stderr must contain

Usage: run-case.py CASE.json...   (environment: STORYWATCHD, STORYWATCH)
Exit 0 when every case passes, 1 otherwise.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


class Server:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py")],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.base = "http://127.0.0.1:%d" % self.port

    def script(self, replies):
        data = json.dumps({"base": os.path.join(HERE, "data"), "replies": replies}).encode()
        req = urllib.request.Request(self.base + "/__control/script", data=data, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def requests(self):
        with urllib.request.urlopen(self.base + "/__control/requests", timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def header(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def check_requests(expected, seen, fail):
    by_path = {}
    for r in seen:
        by_path.setdefault(r["path"], []).append(r)
    want_paths = {}
    for r in expected:
        want_paths.setdefault(r["path"], []).append(r)
    for path in sorted(set(by_path) | set(want_paths)):
        got = by_path.get(path, [])
        want = want_paths.get(path, [])
        if len(got) != len(want):
            fail("%s: %d requests, expected %d" % (path, len(got), len(want)))
            continue
        for i, (g, w) in enumerate(zip(got, want)):
            if g["method"] != w.get("method", "GET"):
                fail("%s #%d: method %s, expected %s" % (path, i, g["method"], w.get("method", "GET")))
            for name, value in w.get("headers", {}).items():
                if name.endswith("~"):
                    v = header(g["headers"], name[:-1])
                    if v is None or value not in v:
                        fail("%s #%d: header %s is %r, expected it to contain %r" % (path, i, name[:-1], v, value))
                    continue
                v = header(g["headers"], name)
                if v != value:
                    fail("%s #%d: header %s is %r, expected %r" % (path, i, name, v, value))


def event_key(e):
    return (e.get("event") or "", e.get("feed") or "", e.get("id") or "")


def check_events(expected, lines, base, fail):
    got = [json.loads(l) for l in lines]
    want = []
    for e in expected:
        e = dict(e)
        if e.get("feed", "").startswith("/"):
            e["feed"] = base + e["feed"]
        want.append(e)
    if len(got) != len(want):
        fail("%d events, expected %d:\n  got %s" % (len(got), len(want),
             "\n      ".join(json.dumps(g) for g in got)))
        return
    for g, w in zip(sorted(got, key=event_key), sorted(want, key=event_key)):
        for k, v in w.items():
            if k.endswith("~"):
                if v not in str(g.get(k[:-1])):
                    fail("event %s: %s is %r, expected it to contain %r" % (event_key(g), k[:-1], g.get(k[:-1]), v))
            elif g.get(k) != v:
                fail("event %s: %s is %r, expected %r" % (event_key(g), k, g.get(k), v))


def check_seq(path, fail):
    last = 0
    seen = set()
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e["seq"] <= last:
                fail("seq %d after %d" % (e["seq"], last))
            last = e["seq"]
            k = event_key(e)
            if k in seen and e["event"] in ("match",):
                fail("event %s written twice" % (k,))
            seen.add(k)


def check_status(expected, work, base, fail):
    storywatch = os.environ.get("STORYWATCH")
    if not storywatch:
        return
    out = subprocess.run([storywatch, "status", "--json", "--state-dir", os.path.join(work, "state")],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        fail("storywatch status failed: %s" % out.stderr.strip())
        return
    feeds = {}
    for line in out.stdout.splitlines():
        o = json.loads(line)
        feeds[o["feed"]] = o
    for path, fields in expected.items():
        o = feeds.get(base + path)
        if o is None:
            fail("status: no feed %s" % path)
            continue
        for k, v in fields.items():
            if k.endswith("~"):
                if v not in str(o.get(k[:-1])):
                    fail("status %s: %s is %r, expected it to contain %r" % (path, k[:-1], o.get(k[:-1]), v))
            elif o.get(k) != v:
                fail("status %s: %s is %r, expected %r" % (path, k, o.get(k), v))


def run_case(server, path):
    with open(path) as f:
        case = json.load(f)
    name = os.path.basename(path)
    failures = []
    work = tempfile.mkdtemp(prefix="sw-case-")
    try:
        feeds = os.path.join(work, "feeds.txt")
        with open(feeds, "w") as f:
            for p in case["feeds"]:
                f.write(server.base + p + "\n")
        conf = os.path.join(work, "storywatch.conf")
        with open(conf, "w") as f:
            f.write(case.get("config", ""))
        events = os.path.join(work, "events.jsonl")
        rules = os.path.join(HERE, case.get("rules", "rules"))
        seen_lines = 0
        for i, run in enumerate(case["runs"]):
            def fail(msg, i=i):
                failures.append("%s run %d: %s" % (name, i, msg))
            server.script(run.get("replies", {}))
            env = dict(os.environ)
            env.pop("NOTIFY_SOCKET", None)
            env.pop("JOURNAL_STREAM", None)
            if "eval_time" in run:
                env["STORYWATCH_EVAL_TIME"] = run["eval_time"]
            cmd = [os.environ["STORYWATCHD"], "--once", "--config", conf, "--feeds", feeds,
                   "--rules", rules, "--state-dir", os.path.join(work, "state"),
                   "--event-log", events, "--no-notify"] + run.get("args", [])
            try:
                p = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                   timeout=run.get("timeout", 60))
            except subprocess.TimeoutExpired:
                fail("storywatchd --once did not finish")
                continue
            if p.returncode != run.get("exit", 0):
                fail("exit %d, expected %d; stderr:\n%s" % (p.returncode, run.get("exit", 0), p.stderr))
            want = run.get("stderr~", [])
            for text in [want] if isinstance(want, str) else want:
                if text not in p.stderr:
                    fail("stderr lacks %r:\n%s" % (text, p.stderr))
            check_requests(run.get("requests", []), server.requests(), fail)
            lines = []
            if os.path.exists(events):
                with open(events) as f:
                    lines = f.read().splitlines()
            check_events(run.get("events", []), lines[seen_lines:], server.base, fail)
            seen_lines = len(lines)
            if "status" in run:
                check_status(run["status"], work, server.base, fail)
        if os.path.exists(events):
            check_seq(events, lambda m: failures.append("%s: %s" % (name, m)))
    finally:
        if failures and os.environ.get("KEEP_WORK"):
            print("work dir kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return failures


def main():
    server = Server()
    failed = 0
    try:
        for path in sys.argv[1:]:
            failures = run_case(server, path)
            status = "FAIL" if failures else "PASS"
            print("%s: %s" % (status, os.path.basename(path)))
            for f in failures:
                print("  " + f)
            failed += bool(failures)
    finally:
        server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
