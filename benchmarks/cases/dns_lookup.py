"""DNS: 1,000 concurrent ``gethostbyname`` lookups against a DNS server of the benchmark's own.

A responder process on 127.0.0.1 (``_dnsresponder.py``, plain stdlib, on its
own CPU where there are two) answers every ``A`` query, 50 ms after it came
in (see there why). This process points the library's resolver at it, then
spawns 1,000 greenlets that each call ``socket.gethostbyname`` on a distinct
name, and joins them; five such batches, every name different, so no cache
can answer. Figure: lookups per second of wall-clock time. With the
responder's fixed 50 ms, that says how well the library overlaps many
lookups in flight (the ceiling is 1,000 per 50 ms, 20 k/s); ``dns_cpu``
runs the same lookups and reports what they cost in CPU time.

- gstack: ``gnet.socket.gethostbyname`` on libevent's evdns (the hub's
  ``gcore.Resolver``, ``gnet.dns.get_resolver()``), with its nameserver set
  to the responder's address and port. Every answer is checked, so a
  resolver that was not pointed at the responder fails the case instead of
  measuring something else.
- gevent: ``gevent.socket.gethostbyname`` on gevent's c-ares resolver
  (``gevent.resolver.ares.Resolver(servers=..., udp_port=...)`` installed as
  the hub's resolver); gevent's default thread-pool resolver cannot be
  pointed at another server.
"""

import time

from _common import cpu_pair, main, pin_to_cpu, start_child, stop_child

UNIT = "k lookups/s"
BETTER = "higher"
CONCURRENCY = 1000
BATCHES = 5
EXPECTED = "127.0.0.1"
# Both resolvers retry a query after this many seconds, up to 3 attempts. A
# reply is lost now and then (the client socket's receive buffer overflows
# when the client is kept off its CPU while replies arrive); a short retry
# keeps one loss from costing a whole second.
RETRY_AFTER = 0.25


def _measure(gethostbyname, spawn, joinall):
    """(lookups per second of wall-clock time, lookups per second of CPU time), in thousands."""
    def batch(tag, count):
        jobs = [spawn(gethostbyname, f"h{i}.b{tag}.bench.test") for i in range(count)]
        joinall(jobs, raise_error=True)
        bad = [job.value for job in jobs if job.value != EXPECTED]
        if bad:
            raise RuntimeError(f"{len(bad)} lookups gave {bad[0]!r}, not {EXPECTED}")

    batch("warm", 50)
    wall, cpu = time.perf_counter(), time.process_time()
    for tag in range(BATCHES):
        batch(tag, CONCURRENCY)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return BATCHES * CONCURRENCY / wall / 1e3, BATCHES * CONCURRENCY / cpu / 1e3


def _responder():
    responder_cpu, client_cpu = cpu_pair()
    proc, port = start_child(__file__.replace("dns_lookup.py", "_dnsresponder.py"),
                             cpu=responder_cpu)
    pin_to_cpu(client_cpu)
    return proc, int(port)


def run_gstack():
    return measure_gstack()[0]


def run_gevent():
    return measure_gevent()[0]


def measure_gstack():
    """Both figures for gstack (``dns_cpu`` uses the second)."""
    import ghub
    import gnet.dns
    import gnet.socket

    proc, port = _responder()
    try:
        resolver = gnet.dns.get_resolver()  # this hub's evdns resolver
        resolver.set_nameservers([("127.0.0.1", port)])
        resolver.set_option("timeout", RETRY_AFTER)
        resolver.set_option("attempts", 3)
        return _measure(gnet.socket.gethostbyname, ghub.spawn, ghub.joinall)
    finally:
        stop_child(proc)


def measure_gevent():
    """Both figures for gevent."""
    import gevent
    import gevent.socket
    from gevent.resolver.ares import Resolver

    proc, port = _responder()
    try:
        hub = gevent.get_hub()
        resolver = Resolver(hub, use_environ=False, servers=["127.0.0.1"], udp_port=port,
                            tries=3, timeout=RETRY_AFTER)
        hub.resolver = resolver
        try:
            return _measure(gevent.socket.gethostbyname, gevent.spawn, gevent.joinall)
        finally:
            resolver.close()
    finally:
        stop_child(proc)


if __name__ == "__main__":
    main(globals())
