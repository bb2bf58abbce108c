"""atheris on the DNS reply path: gcore's evdns parsing fuzzed replies to real lookups.

Run by ``nox -s fuzz``: ``python fuzz_dns.py -max_total_time=60``. A UDP
socket on 127.0.0.1 is the resolver's only nameserver. For each input a
lookup (A, AAAA or PTR, chosen by the input) goes out through
``gcore.Resolver``; the fuzzed bytes come back as the answer, with the
query's id copied in (evdns drops a reply whose id does not match, so
without it nothing past the id would be parsed). The lookup must end with
its callback called once, with a ``DNS_ERR_*`` code and a result of the
documented type, and the process must not crash. Only the Python side is
instrumented; evdns itself runs as built, so libFuzzer gets no coverage from
it and mutates the seeds blindly (a crash there still stops the run).
"""

import socket
import sys

import atheris

with atheris.instrument_imports(include=["gcore", "gnet"]):
    import gcore

LOOP = gcore.Loop()
SERVER = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
SERVER.bind(("127.0.0.1", 0))
SERVER.settimeout(2.0)
RESOLVER = gcore.Resolver(LOOP, nameservers=[SERVER.getsockname()], resolv_conf=None,
                          hosts=None)
RESOLVER.set_option("timeout", 1.0)
RESOLVER.set_option("attempts", 1)
RESOLVER.set_option("max-timeouts", 1000000)   # never mark the nameserver down


def TestOneInput(data):  # noqa: N802 (atheris' name)
    if not data:
        return
    kind, reply = data[0] % 3, data[1:]
    results = []

    def done(*args):
        results.append(args)

    if kind == 0:
        RESOLVER.resolve_ipv4("fuzz.test", gcore.DNS_QUERY_NO_SEARCH, done)
    elif kind == 1:
        RESOLVER.resolve_ipv6("fuzz.test", gcore.DNS_QUERY_NO_SEARCH, done)
    else:
        RESOLVER.resolve_reverse(b"\x0a\x00\x00\x01", gcore.DNS_QUERY_NO_SEARCH, done)
    LOOP.run(nonblock=True)   # sends the query
    try:
        query, peer = SERVER.recvfrom(4096)
    except TimeoutError:
        raise AssertionError("evdns sent no query") from None
    SERVER.sendto(query[:2] + reply[2:], peer)
    # A valid answer follows: it ends the lookup at once if evdns dropped the fuzzed one
    # (else it is an answer to nothing, dropped), so that no run waits for a timeout.
    SERVER.sendto(query[:2] + b"\x81\x83" + query[4:6] + b"\0\0\0\0\0\0" + query[12:], peer)
    for _ in range(1000):
        if results:
            break
        LOOP.run(once=True)
    assert len(results) == 1, results
    result, _type, _ttl, value = results[0]
    assert isinstance(result, int)
    if result == gcore.DNS_ERR_NONE:
        if kind == 2:
            assert value is None or isinstance(value, str), value
        else:
            assert isinstance(value, list), value
            size = 4 if kind == 0 else 16
            assert all(isinstance(a, bytes) and len(a) == size for a in value), value


def main():
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
