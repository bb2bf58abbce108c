#!/usr/bin/env python3
"""The same WSGI application as wsgiserver.py, served over TLS.

    python examples/wsgiserver_ssl.py CERTFILE KEYFILE [PORT]   # default port 8443

The TLS handshake of each connection happens in that connection's greenlet,
so a client that connects and says nothing never holds up the others; the
application sees ``wsgi.url_scheme == "https"``.
"""

import sys

from gstack.pywsgi import WSGIServer


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"Hello over {environ['wsgi.url_scheme']}\n".encode()]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    certfile, keyfile = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 8443
    server = WSGIServer(("127.0.0.1", port), application, certfile=certfile, keyfile=keyfile)
    server.start()
    print(f"Serving on https://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out


if __name__ == "__main__":
    main()
