import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import dfopt_greeter


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok\n"
            ctype = "text/plain"
        else:
            name = self.path.strip("/") or "world"
            body = json.dumps({"greeting": dfopt_greeter.greet(name)}).encode() + b"\n"
            ctype = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve():
    port = int(os.environ.get("PORT", "8000"))
    HTTPServer(("", port), Handler).serve_forever()
