#!/usr/bin/env python3
"""check-report.py CHROMIUM TMPDIR NORMAL.html HOSTILE.html: both reports
opened in headless Chromium.  The normal one shows every development of
tests/data/outputs/events.jsonl once, in order, its other reports folded
under it with their links; its screenshot is not blank.  In the hostile one
the titles' markup stays text: no element of theirs in the DOM, the
document title unchanged."""
import html.parser
import os
import struct
import subprocess
import sys
import zlib

DEVS = [
    ("Port authority and dockers' union open mediated talks", "https://north.example/news/101",
     ["https://south.example/p/55"]),
    ("Mediator tables a three-year wage offer", "https://south.example/p/60",
     ["https://east.example/n/61", "https://north.example/news/107"]),
    ('Union says "no deal" on <night shifts> & overtime', "https://west.example/a?id=9&s=1", []),
]
CONTEXT = ["Ferry timetable slips after a windy night", "Container traffic down four percent in March",
           "Harbour cafés report a quiet week"]
ALLOWED = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
           "strong", "span", "time", "section", "svg", "rect", "text", "main", "article", "a",
           "ul", "li", "details", "summary", "footer", "code"}


class Dom(html.parser.HTMLParser):
    """The dumped DOM as a tree of [tag, attrs, children, text]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ["#root", {}, [], ""]
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = [tag, dict(attrs), [], ""]
        self.stack[-1][2].append(node)
        if tag not in ("meta", "rect", "br", "img", "link", "input"):
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.stack[-1][3] += data
        for n in self.stack[1:]:
            n.append(None) if False else None


def walk(node):
    yield node
    for c in node[2]:
        yield from walk(c)


def text(node):
    return node[3] + "".join(text(c) for c in node[2])


def cls(node):
    return node[1].get("class", "").split()


def chromium(exe, tmp, *args):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", f"--user-data-dir={tmp}/profile", *args]
    return subprocess.run(cmd, capture_output=True, timeout=120)


def dump(exe, tmp, page):
    r = chromium(exe, tmp, "--dump-dom", "file://" + os.path.abspath(page))
    if r.returncode != 0 or b"<html" not in r.stdout:
        raise SystemExit(f"FAIL: chromium --dump-dom {page}: {r.returncode} {r.stderr[-800:]!r}")
    d = Dom()
    d.feed(r.stdout.decode("utf-8"))
    return d.root


def png_variance(path):
    """Variance of the gray level of a PNG's pixels (8-bit RGB/RGBA)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"PNG type {ctype}/{depth}"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    grays = []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):   # PNG filters, section 9 of the spec
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        grays.extend(sum(line[x:x + 3]) // 3 for x in range(0, stride, bpp * 4))
        prev = line
    mean = sum(grays) / len(grays)
    return sum((g - mean) ** 2 for g in grays) / len(grays)


def main():
    exe, tmp, normal, hostile = sys.argv[1:5]
    fail = []

    root = dump(exe, tmp, normal)
    arts = [n for n in walk(root) if n[0] == "article" and "development" in cls(n)]
    got = []
    for a in arts:
        h3 = next(n for n in walk(a) if n[0] == "h3")
        title = next((n for n in walk(h3) if "title" in cls(n)), None)
        reports = [n for n in walk(a) if n[0] == "a" and "report-title" in cls(n)]
        got.append((text(title), title[1].get("href"), [r[1].get("href") for r in reports]))
    if got != DEVS:
        fail.append(f"developments {got!r},\n      not {DEVS!r}")
    alltext = text(root)
    for t, _, _ in DEVS:
        if sum(1 for n in walk(root) if n[0] == "h3" and t in text(n)) != 1:
            fail.append(f"development {t!r} not shown exactly once")
    for c in CONTEXT:
        inside = [n for n in walk(root) if n[0] == "details" and c in text(n)]
        if len(inside) != 1 or "open" in inside[0][1]:
            fail.append(f"context item {c!r} not once in a closed <details>")
    for n in walk(root):
        if n[0] == "a" and not n[1].get("href", "").startswith("https://"):
            fail.append(f"link {n[1].get('href')!r}")
    if "timeout after 60 s" not in alltext or "HTTP 502" in alltext:
        fail.append("feeds in error: slow.example should be listed, west.example (recovered) not")
    if not any(n[0] == "svg" for n in walk(root)) or sum(1 for n in walk(root) if n[0] == "rect") < 6:
        fail.append("no SVG chart with two bars a day")

    png = os.path.join(tmp, "shot.png")
    r = chromium(exe, tmp, f"--screenshot={png}", "--window-size=1000,1200",
                 "file://" + os.path.abspath(normal))
    if r.returncode != 0 or not os.path.exists(png):
        fail.append(f"chromium --screenshot: {r.returncode} {r.stderr[-500:]!r}")
    else:
        v = png_variance(png)
        if v < 50:
            fail.append(f"the screenshot is blank (variance {v:.1f})")

    root = dump(exe, tmp, hostile)
    tags = {n[0] for n in walk(root)} - {"#root"}
    if tags - ALLOWED:
        fail.append(f"hostile: elements {sorted(tags - ALLOWED)} in the DOM")
    titles = [text(n) for n in walk(root) if n[0] == "title"]
    if titles != ["storywatch report: harbour-talks"]:
        fail.append(f"hostile: document title {titles!r}")
    alltext = text(root)
    for t in ["<script>document.title='x'</script>Talks resume at dawn",
              "\"><img src=x onerror=\"document.title='y'\">Offer withdrawn",
              "evil reversed", "<b>rule</b>"]:
        if t not in alltext:
            fail.append(f"hostile: {t!r} is not shown as text")
    if any(ch in alltext for ch in "\u202e\u202c\u2066\u2069"):
        fail.append("hostile: a bidi control reached the page")
    for n in walk(root):
        if n[0] == "a" and not n[1].get("href", "").startswith("https://"):
            fail.append(f"hostile: link {n[1].get('href')!r}")

    for f in fail:
        print("FAIL:", f)
    if not fail:
        print(f"ok: chromium shows {len(DEVS)} developments once each, in order, reports folded; "
              f"screenshot variance {v:.0f}; hostile titles stay text")
    return 1 if fail else 0


sys.exit(main())
