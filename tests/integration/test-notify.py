#!/usr/bin/env python3
"""sd_notify: the daemon (not --once) under our own NOTIFY_SOCKET.

Checks READY=1 and STATUS= after the first load, WATCHDOG=1 when WATCHDOG_USEC
is set, RELOADING=1 with MONOTONIC_USEC= then READY=1 on SIGHUP (also when the
new rules are broken: the error is logged with file:line:column and the daemon
keeps running), and STOPPING=1 then exit 0 on SIGTERM.

Environment: STORYWATCHD.  Exit 0 on success, 1 on failure.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from importlib import import_module  # noqa: E402

run_case = import_module("run-case")


class Notify:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []

    def wait_for(self, pred, what, timeout=15):
        deadline = time.monotonic() + timeout
        for m in self.messages:
            if pred(m):
                self.messages.remove(m)
                return m
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            fields = dict(line.split("=", 1) for line in data.splitlines() if "=" in line)
            if pred(fields):
                return fields
            self.messages.append(fields)
        raise AssertionError("no %s from the daemon within %ds" % (what, timeout))

    def drain(self):
        self.sock.settimeout(0.05)
        try:
            while True:
                self.sock.recv(4096)
        except socket.timeout:
            pass
        self.messages = []


def main():
    work = tempfile.mkdtemp(prefix="sw-notify-")
    server = run_case.Server()
    proc = None
    try:
        server.script({"/harbour.xml": [{"status": 200, "body_file": "harbour.xml",
                                          "headers": {"ETag": "\"n1\""}}],
                       "/lantern.atom": [{"status": 200, "body_file": "lantern.atom"}]})
        rules = os.path.join(work, "rules")
        shutil.copytree(os.path.join(HERE, "rules"), rules)
        feeds = os.path.join(work, "feeds.txt")
        with open(feeds, "w") as f:
            f.write(server.base + "/harbour.xml\n")
        conf = os.path.join(work, "storywatch.conf")
        with open(conf, "w") as f:
            f.write("")
        nsock = os.path.join(work, "notify.sock")
        notify = Notify(nsock)
        env = dict(os.environ, NOTIFY_SOCKET=nsock, WATCHDOG_USEC="400000")
        env.pop("WATCHDOG_PID", None)
        env.pop("STORYWATCH_EVAL_TIME", None)
        env.pop("JOURNAL_STREAM", None)
        stderr = open(os.path.join(work, "stderr"), "w+")
        proc = subprocess.Popen([os.environ["STORYWATCHD"], "--config", conf, "--feeds", feeds,
                                 "--rules", rules, "--state-dir", os.path.join(work, "state"),
                                 "--event-log", os.path.join(work, "events.jsonl"), "--no-notify"],
                                env=env, stderr=stderr)

        notify.wait_for(lambda m: m.get("READY") == "1", "READY=1")
        st = notify.wait_for(lambda m: "STATUS" in m, "STATUS=")
        assert "feeds" in st["STATUS"] and "\n" not in st["STATUS"], st
        notify.wait_for(lambda m: m.get("WATCHDOG") == "1", "WATCHDOG=1")

        # A good reload, with a feed added: it is polled at once.
        with open(feeds, "a") as f:
            f.write(server.base + "/lantern.atom\n")
        notify.drain()
        proc.send_signal(signal.SIGHUP)
        m = notify.wait_for(lambda m: m.get("RELOADING") == "1", "RELOADING=1")
        assert int(m.get("MONOTONIC_USEC", "0")) > 0, m
        notify.wait_for(lambda m: m.get("READY") == "1", "READY=1 after the reload")
        deadline = time.monotonic() + 15
        while not any(r["path"] == "/lantern.atom" for r in server.requests()):
            assert time.monotonic() < deadline, "the feed added by the reload was not polled"
            time.sleep(0.1)

        # A reload with broken rules keeps the old ones and says where.
        with open(os.path.join(rules, "broken.rules"), "w") as f:
            f.write("rule broken {\n\tmatch (ceasefire AND\n}\n")
        notify.drain()
        proc.send_signal(signal.SIGHUP)
        notify.wait_for(lambda m: m.get("RELOADING") == "1", "RELOADING=1 (broken rules)")
        notify.wait_for(lambda m: m.get("READY") == "1", "READY=1 after the failed reload")
        assert proc.poll() is None, "the daemon died on broken rules"
        stderr.flush()
        stderr.seek(0)
        log = stderr.read()
        assert "broken.rules:2:" in log, "no file:line:column for the broken rules:\n" + log

        proc.send_signal(signal.SIGTERM)
        notify.wait_for(lambda m: m.get("STOPPING") == "1", "STOPPING=1")
        rc = proc.wait(timeout=15)
        assert rc == 0, "exit status %d" % rc
        proc = None
        print("PASS: sd_notify READY, STATUS, WATCHDOG, RELOADING, STOPPING")
        return 0
    except AssertionError as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        if proc:
            proc.kill()
            proc.wait()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
