"""A real async HTTP client (httpx) and a gstack server (pywsgi) in one thread, on one hub.

The client's coroutines run on ``gnet.asyncio``'s loop in the main greenlet;
the server's greenlets answer them on the same hub; a WSGI application may
itself wait for a coroutine on that loop (``gnet.asyncio.wait``).
"""

import asyncio
import io
import threading

import httpx
import pytest

import ghub
import gnet.asyncio as gasyncio
from gserve.pywsgi import WSGIServer


def app(environ, start_response):
    body = environ["wsgi.input"].read()
    path = environ["PATH_INFO"]
    if path == "/sleep":
        ghub.sleep(0.02)   # a blocking gstack call in the handler's greenlet
    if path == "/async":
        # Back to the loop that runs the client: a coroutine computes the answer.
        body = gasyncio.wait(_shout(body))
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("X-Thread", str(threading.get_ident()))])
    return [b"%s %s" % (path.encode(), body)]


async def _shout(data):
    await asyncio.sleep(0.001)
    return data.upper()


@pytest.fixture
def server():
    server = WSGIServer(("127.0.0.1", 0), app, log=io.StringIO())
    server.start()
    yield server
    server.stop()


def test_httpx_client_and_pywsgi_server_in_one_thread(server):
    url = f"http://127.0.0.1:{server.server_port}"

    async def main():
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            one = await client.post("/echo", content=b"hello")
            # Concurrent requests: the server's greenlets answer them side by side.
            many = await asyncio.gather(
                *(client.post("/sleep", content=b"%d" % i) for i in range(10)))
            shouted = await client.post("/async", content=b"quiet")
            return one, many, shouted

    one, many, shouted = gasyncio.run(main())
    assert one.status_code == 200 and one.text == "/echo hello"
    assert int(one.headers["X-Thread"]) == threading.get_ident()   # the server's thread too
    assert [r.text for r in many] == [f"/sleep {i}" for i in range(10)]
    assert shouted.text == "/async QUIET"


def test_httpx_requests_overlap_on_the_server(server):
    # Ten requests that each sleep 20 ms in the server take about one sleep, not ten:
    # asserted as an order, not a time: every request has arrived before any answer.
    arrived, answered = [], []

    def slow(environ, start_response):
        arrived.append(environ["PATH_INFO"])
        ghub.sleep(0.02)
        answered.append(len(arrived))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server.application = slow
    url = f"http://127.0.0.1:{server.server_port}"

    async def main():
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            replies = await asyncio.gather(*(client.get(f"/{i}") for i in range(10)))
        return [r.status_code for r in replies]

    assert gasyncio.run(main()) == [200] * 10
    assert sorted(arrived) == [f"/{i}" for i in range(10)]
    assert answered == [10] * 10
