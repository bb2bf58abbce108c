#!/usr/bin/env python3
"""A WSGI application on gstack's pure-Python HTTP/1.1 server.

    python examples/wsgiserver.py [PORT]      # default 8088; 0: any free port

``/`` answers "Hello World"; any other path a 404. Each connection is served
in its own greenlet, with keep-alive and pipelining; Ctrl-C stops it.
"""

import sys

from gstack.pywsgi import WSGIServer


def application(environ, start_response):
    if environ["PATH_INFO"] == "/":
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<b>Hello World</b>\n"]
    start_response("404 Not Found", [("Content-Type", "text/html")])
    return [b"<h1>Not Found</h1>\n"]


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8088
    server = WSGIServer(("127.0.0.1", port), application)
    server.start()
    print(f"Serving on http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out


if __name__ == "__main__":
    main()
