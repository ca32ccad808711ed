#!/usr/bin/env python3
"""Manual pages that cannot drift from the programs.

For storywatchd(8) and for storywatch(1) and each of its commands, the options
of the page's SYNOPSIS and of its OPTIONS (the .TP tags of the OPTIONS section,
or of the command's .SS subsection and its heading) are compared with the
options the program's --help prints, in both directions; the INSTANCE
section's options count for each command whose synopsis has --system.  Every command that
`storywatch --help` lists has a synopsis and a subsection, and no other.  All
pages share one .TH form, with the version the programs print.
"""
import os
import re
import subprocess
import sys

SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
SW = os.path.join(BUILD, "daemon", "storywatch")
SWD = os.path.join(BUILD, "daemon", "storywatchd")
PAGES = ["man/storywatch.1", "man/storywatchd.8", "man/storywatch.conf.5", "man/storywatch.rules.5"]

OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z](?![\w-]))")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def roff_text(line):
    """A roff line as the reader sees its words: escapes and quotes undone."""
    line = re.sub(r"^\.[A-Z]+\s?", "", line)
    line = line.replace("\\-", "-").replace("\\(dq", '"').replace("\\c", "")
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace('"', " ")


def options(text):
    return set(OPTION.findall(text))


def sections(path):
    """{section name: [lines]} of a page."""
    out, name = {}, None
    with open(os.path.join(SRC, path), encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.startswith(".SH"):
                name = line[3:].strip().strip('"')
                out[name] = []
            elif name:
                out[name].append(line)
    return out


def tp_tags(lines):
    """The tag line of every .TP: the term an entry defines."""
    return [lines[i + 1] for i, l in enumerate(lines[:-1]) if l.startswith(".TP")]


def run_help(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s exited %d" % (" ".join(argv), p.returncode))
    return p.stdout


def help_options(text):
    """Options of a --help text: its Usage lines and its option list."""
    found = set()
    for line in text.splitlines():
        if line.startswith("Usage:"):
            found |= options(line)
        m = re.match(r"^\s+((?:-[a-zA-Z]|--[a-z][a-z0-9-]*)(?:,\s*(?:-[a-zA-Z]|--[a-z][a-z0-9-]*))*)", line)
        if m:
            found |= options(m.group(1))
    return found


def compare(what, synopsis, documented, helped, implicit=frozenset()):
    n_failures = len(failures)
    synopsis, documented, helped = synopsis - implicit, documented - implicit, helped - implicit
    for o in sorted(helped - documented):
        fail("%s: %s is in --help but not documented in the page" % (what, o))
    for o in sorted(documented - helped):
        fail("%s: %s is documented in the page but not in --help" % (what, o))
    for o in sorted(synopsis - helped):
        fail("%s: %s is in the SYNOPSIS but not in --help" % (what, o))
    for o in sorted(helped - synopsis - {"-h", "--help", "--version"}):
        fail("%s: %s is in --help but not in the SYNOPSIS" % (what, o))
    if len(failures) == n_failures:
        print("ok: %s (%s)" % (what, " ".join(sorted(helped)) or "no options"))


def check_daemon():
    page = sections("man/storywatchd.8")
    synopsis = options(" ".join(roff_text(l) for l in page["SYNOPSIS"]))
    documented = options(" ".join(roff_text(l) for l in tp_tags(page["OPTIONS"])))
    compare("storywatchd(8)", synopsis, documented, help_options(run_help([SWD, "--help"])))


def check_storywatch():
    page = sections("man/storywatch.1")
    top_help = run_help([SW, "--help"])
    commands = []
    in_list = False
    for line in top_help.splitlines():
        if line.startswith("Commands:"):
            in_list = True
        elif in_list and re.match(r"^  [a-z]+ ", line):
            commands.append(line.split()[0])
        elif in_list and line.strip() == "":
            in_list = bool(not commands)

    # SYNOPSIS entries start at ".B storywatch" or ".B storywatch CMD".
    synopsis, key = {}, None
    for line in page["SYNOPSIS"]:
        m = re.match(r"^\.B storywatch(?: ([a-z]+))?\s*$", line)
        if m:
            key = m.group(1) or ""
            synopsis.setdefault(key, set())
        elif key is not None:
            synopsis[key] |= options(roff_text(line))

    # COMMANDS subsections: the heading and the .TP tags under it.
    documented, name, lines = {}, None, []
    for line in page["COMMANDS"] + [".SS END"]:
        if line.startswith(".SS"):
            if name:
                documented[name] = options(heading) | options(" ".join(roff_text(l) for l in tp_tags(lines)))
            heading = roff_text(line)
            name, lines = heading.split()[0] if heading.split() else None, []
            if name == "END":
                break
        else:
            lines.append(line)

    # The INSTANCE section documents the options of every command whose
    # synopsis takes --system: --config, --system, --user, -v.
    instance = options(" ".join(roff_text(l) for l in tp_tags(page.get("INSTANCE", []))))
    for cmd in documented:
        if "--system" in synopsis.get(cmd, set()):
            documented[cmd] |= instance

    compare("storywatch(1)", synopsis.get("", set()), synopsis.get("", set()), help_options(top_help))
    if set(commands) != set(documented):
        fail("storywatch(1): commands in --help %s, subsections %s" % (sorted(commands), sorted(documented)))
    if set(commands) != set(synopsis) - {""}:
        fail("storywatch(1): commands in --help %s, in the SYNOPSIS %s"
             % (sorted(commands), sorted(set(synopsis) - {""})))
    for cmd in commands:
        helped = help_options(run_help([SW, cmd, "--help"]))
        compare("storywatch(1) %s" % cmd, synopsis.get(cmd, set()), documented.get(cmd, set()), helped,
                implicit=frozenset({"-h", "--help"}))


def check_th():
    version = run_help([SW, "--version"]).split()[-1]
    form = re.compile(r'^\.TH [A-Z][A-Z.]* [1-8] "\d{4}-\d\d-\d\d" "storywatch ([^"]+)" "[A-Z][^"]*"$')
    for path in PAGES:
        with open(os.path.join(SRC, path), encoding="utf-8") as f:
            th = next((l for l in f.read().splitlines() if l.startswith(".TH")), "")
        m = form.match(th)
        if not m:
            fail("%s: .TH is not of the form .TH NAME SECTION \"DATE\" \"storywatch VERSION\" \"TITLE\": %s"
                 % (path, th))
        elif m.group(1) != version:
            fail("%s: .TH names storywatch %s, the programs are %s" % (path, m.group(1), version))
        else:
            print("ok: %s .TH" % path)


def check_examples():
    """A storyline an example names is one the shipped rules define."""
    import glob
    known = set()
    for path in glob.glob(os.path.join(SRC, "rules", "*.rules")):
        with open(path, encoding="utf-8") as f:
            known |= set(re.findall(r"^storyline\s+([a-z0-9-]+)", f.read(), re.M))
    for path in PAGES:
        with open(os.path.join(SRC, path), encoding="utf-8") as f:
            text = roff_text(f.read().replace("\n", " "))
        for name in re.findall(r"--storyline\s+([a-z][a-z0-9-]*)\b", text):
            if name not in known:
                fail("%s: an example names the storyline %s; the shipped ones are %s"
                     % (path, name, ", ".join(sorted(known))))


check_daemon()
check_storywatch()
check_examples()
check_th()
sys.exit(1 if failures else 0)
