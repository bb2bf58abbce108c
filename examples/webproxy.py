#!/usr/bin/env python3
"""A small HTTP proxy as a WSGI application: urllib fetches, made cooperative by patch_all().

    python examples/webproxy.py [--host 127.0.0.1] [--port 8080]

Two ways to use it:

- as a browser's (or curl's) HTTP proxy: ``curl -x http://127.0.0.1:8080
  http://example.com/``. The request names another host than the proxy's
  own, and the proxy fetches that URL;
- as a page: ``http://127.0.0.1:8080/`` shows a form, and
  ``http://127.0.0.1:8080/http://example.com/`` fetches ``http://example.com/``.

Each request is served by gstack.pywsgi in its own greenlet, and fetches with
the plain ``urllib.request``, which ``monkey.patch_all()`` made cooperative:
a slow site holds up only the requests for it. Responses (errors and
redirects too) are passed on as they come, in chunks; only ``http`` and
``https`` URLs are fetched, with no proxy of their own. Plain HTTP only: no
``CONNECT`` (HTTPS through the proxy). Ctrl-C stops it.
"""

from gstack import monkey

monkey.patch_all()   # first: what is imported afterwards uses the cooperative modules

import argparse  # noqa: E402
import html  # noqa: E402
import sys  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

from gstack.pywsgi import WSGIServer  # noqa: E402

FETCH_TIMEOUT = 30
CHUNK = 64 * 1024
# Headers that belong to one connection (RFC 9110, 7.6.1), never passed on.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "transfer-encoding", "upgrade", "proxy-connection"}
VIA = "1.1 gstack-webproxy"   # added to each request we send; seen again: a loop
FORM = """<!doctype html><title>gstack web proxy</title>
<form action="/" method="get"><input name="url" size="60" value="{url}">
<button>Fetch through the proxy</button></form>
"""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None   # a redirect goes back to the client as it is


# No proxy of our own (not even from $http_proxy), and redirects passed on.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def target_url(environ):
    """The URL a request asks for, or None (then it asks for the proxy's own page)."""
    host = environ.get("HTTP_HOST", "")
    own = {f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}",
           f"127.0.0.1:{environ['SERVER_PORT']}", f"localhost:{environ['SERVER_PORT']}"}
    query = environ.get("QUERY_STRING", "")
    if host and host not in own:   # used as a proxy: GET http://host/path
        return f"http://{host}{environ['PATH_INFO']}" + (f"?{query}" if query else "")
    path = environ["PATH_INFO"].lstrip("/")
    if path.startswith(("http://", "https://", "http:/", "https:/")):   # /http://host/path
        path = path.replace(":/", "://", 1) if "://" not in path else path
        return path + (f"?{query}" if query else "")
    return None


def application(environ, start_response):
    url = target_url(environ)
    if url is None:
        asked = parse_qs(environ.get("QUERY_STRING", "")).get("url", [""])[0]
        if asked:   # the form's answer: go to /<url>
            start_response("302 Found", [("Location", "/" + asked)])
            return [b""]
        body = FORM.format(url=html.escape("http://")).encode()
        start_response("200 OK", [("Content-Type", "text/html"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if urlsplit(url).scheme not in ("http", "https"):
        return _error(start_response, "400 Bad Request", f"not an http(s) URL: {url}")
    if VIA in environ.get("HTTP_VIA", ""):   # we asked ourselves (an address we did not know)
        return _error(start_response, "508 Loop Detected", url)
    return fetch(environ, start_response, url)


def fetch(environ, start_response, url):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else None
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
               if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_BY_HOP
               and key != "HTTP_HOST"}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    headers["Via"] = ", ".join(filter(None, [headers.get("Via"), VIA]))
    request = urllib.request.Request(url, data=body, headers=headers,
                                     method=environ["REQUEST_METHOD"])
    try:
        response = OPENER.open(request, timeout=FETCH_TIMEOUT)
    except urllib.error.HTTPError as error:   # 4xx, 5xx, 3xx: the origin's answer, passed on
        response = error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return _error(start_response, "502 Bad Gateway", f"{url}: {reason}")
    print(f"{environ['REQUEST_METHOD']} {url}: {response.status}", flush=True)
    start_response(f"{response.status} {response.reason}",
                   [(name, value) for name, value in response.headers.items()
                    if name.lower() not in HOP_BY_HOP])
    return _chunks(response)


def _chunks(response):
    with response:
        while True:
            chunk = response.read(CHUNK)
            if not chunk:
                return
            yield chunk


def _error(start_response, status, message):
    body = f"{status}: {message}\n".encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/webproxy.py",
                                     description="A small HTTP proxy on gstack.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (8080; 0: any free port)")
    args = parser.parse_args(argv)
    server = WSGIServer((args.host, args.port), application, log=None)
    server.start()
    print(f"Proxy on http://{args.host}:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out
    return 0


if __name__ == "__main__":
    sys.exit(main())
