#!/usr/bin/env python3
"""Serve the files of DIR on a free port of 127.0.0.1; print the port."""
import http.server
import os
import socketserver
import sys


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


os.chdir(sys.argv[1])
with socketserver.TCPServer(("127.0.0.1", 0), Quiet) as server:
    print(server.server_address[1], flush=True)
    server.serve_forever()
