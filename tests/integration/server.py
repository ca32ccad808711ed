#!/usr/bin/env python3
"""Scripted HTTP server for the storywatchd integration tests.

Standard library only.  Listens on 127.0.0.1, port 0, prints the port on the
first line of stdout, then serves the replies of the current "script": for
each path a list of replies, served in order (the last one repeats).

Control endpoints (the runner's, never the daemon's):
  POST /__control/script    body: JSON {"base": DIR, "replies": {PATH: [REPLY...]}}
                            installs a script and clears the request log
  GET  /__control/requests  the requests seen since, as a JSON array

A reply is a JSON object:
  status      HTTP status (default 200)
  headers     {name: value}
  body        text, or body_file (relative to base) or none
  gzip        true: send the body gzip-encoded (Content-Encoding: gzip)
  delay       seconds to wait before answering
  trickle     bytes per second: send the body that slowly (Content-Length set)
  endless     true: send the body over and over, never ending (chunked)
  bomb        N: a gzip stream that inflates to N MiB of spaces
  location    Location header (for 3xx)
A header value "{now+N}" becomes the HTTP date N seconds from now.
"""

import email.utils
import gzip
import json
import os
import re
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"base": ".", "replies": {}, "served": {}, "requests": []}


def bomb_bytes(mib):
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    chunk = b" " * (1 << 20)
    out = [comp.compress(chunk) for _ in range(mib)]
    out.append(comp.flush())
    return b"".join(out)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "storywatch-test/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_bytes(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):
        if self.path != "/__control/script":
            self.send_bytes(404, {}, b"")
            return
        n = int(self.headers.get("Content-Length", "0"))
        script = json.loads(self.rfile.read(n))
        with LOCK:
            STATE["base"] = script.get("base", ".")
            STATE["replies"] = script.get("replies", {})
            STATE["served"] = {}
            STATE["requests"] = []
        self.send_bytes(200, {}, b"ok")

    def do_GET(self):
        if self.path == "/__control/requests":
            with LOCK:
                body = json.dumps(STATE["requests"]).encode()
            self.send_bytes(200, {"Content-Type": "application/json"}, body)
            return
        with LOCK:
            STATE["requests"].append({
                "method": self.command,
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
            })
            replies = STATE["replies"].get(self.path)
            if not replies:
                reply = {"status": 404, "body": "no such feed in this script\n"}
            else:
                i = STATE["served"].get(self.path, 0)
                STATE["served"][self.path] = i + 1
                reply = replies[min(i, len(replies) - 1)]
            base = STATE["base"]
        try:
            self.answer(reply, base)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer(self, reply, base):
        time.sleep(reply.get("delay", 0))
        status = reply.get("status", 200)
        headers = {k: re.sub(r"\{now([+-]\d+)\}",
                             lambda m: email.utils.formatdate(time.time() + int(m.group(1)), usegmt=True), v)
                   for k, v in reply.get("headers", {}).items()}
        if "location" in reply:
            headers["Location"] = reply["location"]
        if "body_file" in reply:
            with open(os.path.join(base, reply["body_file"]), "rb") as f:
                body = f.read()
        else:
            body = reply.get("body", "").encode()

        if reply.get("bomb"):
            headers["Content-Encoding"] = "gzip"
            headers.setdefault("Content-Type", "application/rss+xml")
            self.send_bytes(status, headers, bomb_bytes(reply["bomb"]))
            return
        if reply.get("gzip"):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if reply.get("endless"):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            piece = body or b"<item><title>more</title></item>\n"
            chunk = b"%x\r\n%s\r\n" % (len(piece) * 64, piece * 64)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                self.wfile.write(chunk)
            self.close_connection = True
            return
        if reply.get("trickle"):
            rate = reply["trickle"]
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(0, len(body), max(1, rate // 10)):
                self.wfile.write(body[i:i + max(1, rate // 10)])
                self.wfile.flush()
                time.sleep(0.1)
            return
        self.send_bytes(status, headers, body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that give up (caps, timeouts) are part of the tests


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
