"""gevent-websocket, unmodified, under gstack's gevent compatibility mode: an echo server.

Run as ``python -m gmonkey --as-gevent websocket_server.py``. It serves a
websocket echo application with gevent-websocket's ``WebSocketServer`` (a
``gevent.pywsgi.WSGIServer`` subclass, i.e. gstack.pywsgi's) and its
``WebSocketHandler`` on 127.0.0.1, prints one JSON line (its port, and which
modules gevent-websocket got as ``gevent.pywsgi``), then serves until it is
terminated.
"""

import json
import sys

import gevent
from gevent.pywsgi import WSGIServer
from geventwebsocket import WebSocketError
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.server import WebSocketServer


def app(environ, start_response):
    ws = environ.get("wsgi.websocket")
    if ws is None:   # a plain HTTP request through the same server
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain http"]
    while True:
        try:
            message = ws.receive()
        except WebSocketError:
            break
        if message is None:
            break
        if message == "slow":
            gevent.sleep(0.5)   # blocks this connection only
        ws.send(bytes(message) if isinstance(message, (bytes, bytearray)) else "echo:" + message)
    return []


server = WebSocketServer(("127.0.0.1", 0), app, log=None, error_log=sys.stderr)
server.start()
print(json.dumps({
    "port": server.server_port,
    "gevent": gevent.__name__,
    "pywsgi": WSGIServer.__module__,
    "handler_base": WebSocketHandler.__mro__[1].__module__,
}), flush=True)
server.serve_forever()
