"""AsyncResult set/get: two greenlets exchange values through one-shot ``AsyncResult`` objects.

For each of 50,000 rounds the first greenlet ``set``s a request result and
``get``s the reply result; the second ``get``s the request and ``set``s the
reply. Every round uses two fresh ``AsyncResult`` objects (created before
the clock starts), as a request/response would. Figure: round trips per
second.
"""

from _common import main, now

UNIT = "k round trips/s"
BETTER = "higher"
N = 50_000


def _measure(result_class, spawn, joinall, n=N):
    requests = [result_class() for _ in range(n)]
    replies = [result_class() for _ in range(n)]

    def client():
        for request, reply in zip(requests, replies):
            request.set(1)
            reply.get()

    def server():
        for request, reply in zip(requests, replies):
            reply.set(request.get() + 1)

    start = now()
    joinall([spawn(client), spawn(server)], raise_error=True)
    return n / (now() - start) / 1e3


def run_gstack():
    import ghub
    from gsync.event import AsyncResult

    _measure(AsyncResult, ghub.spawn, ghub.joinall, 1000)  # warm-up
    return _measure(AsyncResult, ghub.spawn, ghub.joinall)


def run_gevent():
    import gevent
    from gevent.event import AsyncResult

    _measure(AsyncResult, gevent.spawn, gevent.joinall, 1000)
    return _measure(AsyncResult, gevent.spawn, gevent.joinall)


if __name__ == "__main__":
    main(globals())
