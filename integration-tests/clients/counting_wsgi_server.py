"""A gstack pywsgi server that counts the requests it answers (the target of the locust test).

Run as ``python -m gmonkey --as-gevent counting_wsgi_server.py``: it serves
``gevent.pywsgi.WSGIServer`` (gstack.pywsgi's, through the compatibility
mode) on 127.0.0.1, prints one JSON line (its port, and which module
``gevent.pywsgi`` is), then serves until it is terminated. ``GET /`` answers
``hello``; ``GET /count`` answers how many ``/`` requests it answered.
"""

import json

import gevent
from gevent.pywsgi import WSGIServer

answered = 0


def app(environ, start_response):
    global answered
    if environ["PATH_INFO"] == "/count":
        body = str(answered).encode()
    else:
        answered += 1
        body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


server = WSGIServer(("127.0.0.1", 0), app, log=None)
server.start()
print(json.dumps({"port": server.server_port, "gevent": gevent.__name__,
                  "pywsgi": WSGIServer.__module__}), flush=True)
server.serve_forever()
