"""The chat room and its WSGI application: long polling on gstack's Event.

How it works
------------

The :class:`Room` keeps the last ``history`` messages (a bounded deque), each
with a number that grows by one. A browser asks ``GET /poll?after=N`` (``-1``
when the page loads: the whole history at once): if messages after ``N``
are kept, they are the answer at once; otherwise the
request's greenlet waits on the room's current :class:`gstack.event.Event`
for up to ``poll_timeout`` seconds (an empty answer then, and the browser
asks again). ``POST /send`` adds a message, sets that event (which wakes
every waiting poll at once) and puts a fresh one in its place for the next
message. Nothing grows without bound: the history is a deque of
``history`` messages of at most ``MAX_TEXT`` characters, a request body is
at most ``MAX_BODY`` bytes, and the waiting polls are the server's
requests in flight (the server's pool bounds them).
"""

import json
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs

from gstack.event import Event

MAX_NAME = 40
MAX_TEXT = 500
MAX_BODY = 4096
PAGE = (Path(__file__).resolve().parent / "index.html").read_bytes()


class Room:
    """``Room(history=100, poll_timeout=25.0)``: the messages, and the polls that wait for them."""

    def __init__(self, history=100, poll_timeout=25.0):
        self.messages = deque(maxlen=history)
        self.last = 0                  # the number of the latest message (0: none yet)
        self.poll_timeout = poll_timeout
        self._new = Event()            # set (and replaced) when a message arrives

    def post(self, name, text):
        """Add a message (from a request, or typed into the backdoor); return it."""
        name = " ".join(str(name).split())[:MAX_NAME] or "anonymous"
        text = str(text).strip()[:MAX_TEXT]
        if not text:
            raise ValueError("empty message")
        self.last += 1
        message = {"id": self.last, "name": name, "text": text, "time": time.time()}
        self.messages.append(message)
        arrived, self._new = self._new, Event()
        arrived.set()                  # wakes every poll waiting on it
        return message

    def after(self, number):
        return [m for m in self.messages if m["id"] > number]

    def poll(self, after):
        """The messages after ``after``, waiting up to ``poll_timeout`` s for one to arrive.

        Returns ``(messages, reset)``. A negative ``after`` (a page that just
        loaded) gets the whole history at once; so does an ``after`` past the
        latest number (from before a restart), with ``reset`` true.
        """
        if after < 0 or after > self.last:
            return list(self.messages), after >= 0
        if after == self.last:
            self._new.wait(self.poll_timeout)
        return self.after(after), False

    # -- the WSGI application ----------------------------------------------------------

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if path == "/" and method in ("GET", "HEAD"):
            return _reply(start_response, "200 OK", PAGE, "text/html; charset=utf-8")
        if path == "/poll" and method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            try:
                after = int(query.get("after", ["0"])[0])
            except ValueError:
                return _error(start_response, "400 Bad Request", "after must be a number")
            messages, reset = self.poll(after)
            return _json(start_response, {"messages": messages, "last": self.last,
                                          "reset": reset})
        if path == "/send" and method == "POST":
            try:
                name, text = _read_message(environ)
                message = self.post(name, text)
            except ValueError as error:
                return _error(start_response, "400 Bad Request", str(error))
            return _json(start_response, message)
        if path in ("/", "/poll", "/send"):
            return _error(start_response, "405 Method Not Allowed", f"{method} {path}")
        return _error(start_response, "404 Not Found", path)


def _read_message(environ):
    """``(name, text)`` from a JSON or a form-encoded request body."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ValueError("bad Content-Length") from None
    if length > MAX_BODY:
        raise ValueError(f"a message is at most {MAX_BODY} bytes")
    body = environ["wsgi.input"].read(length)
    try:
        if environ.get("CONTENT_TYPE", "").startswith("application/json"):
            fields = json.loads(body)
            if not isinstance(fields, dict):
                raise ValueError("expected a JSON object")
        else:   # a form: curl -d name=me -d text=hello http://127.0.0.1:8000/send
            fields = {k: v[0] for k, v in parse_qs(body.decode(), strict_parsing=False).items()}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the body is neither JSON nor a form") from None
    return fields.get("name", ""), fields.get("text", "")


def _reply(start_response, status, body, content_type):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


def _json(start_response, data, status="200 OK"):
    return _reply(start_response, status, json.dumps(data).encode(), "application/json")


def _error(start_response, status, message):
    return _json(start_response, {"error": message}, status)
