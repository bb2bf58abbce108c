"""gcore's evdns binding: Resolver, dns_request and the 0.13 dns_* functions.

The queries go to a DNS responder of the test's own on 127.0.0.1 (a thread
answering A/AAAA/PTR from a table, NXDOMAIN for unknown names, never for
"silent" ones), so that nothing leaves the machine.
"""

import heapq
import socket
import struct
import threading
import time

import pytest

import gcore

# -- a tiny DNS responder ------------------------------------------------------


def _encode_name(name):
    return b"".join(bytes([len(p)]) + p for p in name.encode().split(b".") if p) + b"\0"


class Responder:
    """Answers from ``records`` {name: {"A": [...], "AAAA": [...], "PTR": name, "delay": s}}."""

    def __init__(self, records, silent=()):
        self.records = records
        self.silent = set(silent)
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        # Delayed replies wait in one heap for one sender thread: a thread per
        # reply started too slowly on a busy machine (a hundred queries took
        # longer to take in than the delay of the first).
        self._due = []
        self._due_changed = threading.Condition()
        self._closing = False
        self.sender = threading.Thread(target=self._send_due, daemon=True)
        self.sender.start()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def _send_due(self):
        with self._due_changed:
            while not self._closing:
                if not self._due:
                    self._due_changed.wait()
                    continue
                due, _, reply, peer = self._due[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._due_changed.wait(wait)
                    continue
                heapq.heappop(self._due)
                self.sock.sendto(reply, peer)

    def serve(self):
        while True:
            packet, peer = self.sock.recvfrom(4096)
            if not packet:
                return
            ident, flags = struct.unpack("!HH", packet[:4])
            offset, labels = 12, []
            while packet[offset]:
                labels.append(packet[offset + 1:offset + 1 + packet[offset]])
                offset += 1 + packet[offset]
            qtype = struct.unpack("!H", packet[offset + 1:offset + 3])[0]
            question = packet[12:offset + 5]
            name = b".".join(labels).decode().lower()
            self.queries.append((name, qtype))
            if name in self.silent:
                continue
            entry = self.records.get(name)
            answers = []
            if entry is not None:
                if qtype == 1:
                    answers = [socket.inet_aton(ip) for ip in entry.get("A", ())]
                elif qtype == 28:
                    answers = [socket.inet_pton(socket.AF_INET6, ip)
                               for ip in entry.get("AAAA", ())]
                elif qtype == 12 and "PTR" in entry:
                    answers = [_encode_name(entry["PTR"])]
            rcode = 3 if entry is None else 0
            reply = struct.pack("!HHHHHH", ident, 0x8480 | (flags & 0x0100) | rcode, 1,
                                len(answers), 0, 0) + question
            for data in answers:
                reply += struct.pack("!HHHIH", 0xC00C, qtype, 1, 120, len(data)) + data
            delay = entry.get("delay", 0) if entry else 0
            if delay:
                with self._due_changed:
                    heapq.heappush(self._due, (time.monotonic() + delay, len(self.queries),
                                               reply, peer))
                    self._due_changed.notify()
            else:
                self.sock.sendto(reply, peer)

    def close(self):
        with self._due_changed:
            self._closing = True
            self._due_changed.notify()
        self.sender.join(5)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"", ("127.0.0.1", self.port))
        self.thread.join(5)
        self.sock.close()


RECORDS = {
    "alpha.test": {"A": ["10.0.0.1", "10.0.0.2"], "AAAA": ["2001:db8::1"]},
    "slow.test": {"A": ["10.0.0.3"], "delay": 0.15},
    "v4only.test": {"A": ["10.0.0.4"]},
    "1.0.0.10.in-addr.arpa": {"PTR": "alpha.test"},
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa": {
        "PTR": "alpha6.test"},
}


@pytest.fixture(scope="module")
def server():
    responder = Responder(RECORDS, silent=["silent.test"])
    yield responder
    responder.close()


@pytest.fixture
def resolver(loop, server, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n10.9.8.7 fromhosts.test fh\n")
    r = gcore.Resolver(loop, nameservers=[("127.0.0.1", server.port)], resolv_conf=None,
                       hosts=str(hosts))
    r.set_option("timeout", 0.6)
    r.set_option("attempts", 1)
    r.set_option("max-timeouts", 1000)
    yield r
    r.shutdown()
    loop.run()
    assert r.closed


def collect(results):
    def callback(*args):
        results.append(args)
    return callback


# -- queries -----------------------------------------------------------------


def test_resolve_ipv4_returns_packed_addresses(loop, resolver):
    results = []
    req = resolver.resolve_ipv4("alpha.test", 0, collect(results))
    assert req.pending and resolver.pending == 1
    loop.run()
    assert results == [(gcore.DNS_ERR_NONE, gcore.DNS_IPv4_A, 120,
                        [socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2")])]
    assert not req.pending and resolver.pending == 0


def test_resolve_ipv6_returns_packed_addresses(loop, resolver):
    results = []
    resolver.resolve_ipv6("alpha.test", gcore.DNS_QUERY_NO_SEARCH, collect(results))
    loop.run()
    assert results == [(gcore.DNS_ERR_NONE, gcore.DNS_IPv6_AAAA, 120,
                        [socket.inet_pton(socket.AF_INET6, "2001:db8::1")])]


def test_resolve_reverse(loop, resolver):
    results = []
    resolver.resolve_reverse(socket.inet_aton("10.0.0.1"), 0, collect(results))
    resolver.resolve_reverse_ipv6(socket.inet_pton(socket.AF_INET6, "2001:db8::1"), 0,
                                  collect(results))
    loop.run()
    assert sorted(results) == [(0, gcore.DNS_PTR, 120, "alpha.test"),
                               (0, gcore.DNS_PTR, 120, "alpha6.test")]


def test_nxdomain(loop, resolver):
    results = []
    resolver.resolve_ipv4("missing.test", gcore.DNS_QUERY_NO_SEARCH, collect(results))
    loop.run()
    assert len(results) == 1
    assert results[0][0] == gcore.DNS_ERR_NOTEXIST
    assert results[0][3] == []
    assert gcore.dns_err_to_string(gcore.DNS_ERR_NOTEXIST) == "name does not exist"


def test_timeout(loop, resolver, server):
    results = []
    resolver.resolve_ipv4("silent.test", 0, collect(results))
    loop.run()
    assert [r[0] for r in results] == [gcore.DNS_ERR_TIMEOUT]
    assert ("silent.test", 1) in server.queries


def test_answers_arrive_in_their_own_time(loop, resolver):
    order = []
    resolver.resolve_ipv4("slow.test", 0, lambda *a: order.append("slow"))
    resolver.resolve_ipv4("alpha.test", 0, lambda *a: order.append("fast"))
    loop.run()
    assert order == ["fast", "slow"]


def test_more_than_64_queries_are_in_flight_at_once(loop, resolver, server):
    # libevent's default would hold back all but 64; gcore's Resolver allows 4,096.
    before = len(server.queries)
    seen_by_server = []

    def first_answer(*args):
        if not seen_by_server:
            seen_by_server.append(len(server.queries) - before)

    for _ in range(100):
        resolver.resolve_ipv4("slow.test", gcore.DNS_QUERY_NO_SEARCH, first_answer)
    loop.run()
    assert seen_by_server == [100]


def test_pending_query_keeps_the_loop_running(loop, resolver):
    results = []
    assert loop.ref_count == 0
    resolver.resolve_ipv4("slow.test", 0, collect(results))
    assert loop.ref_count == 1
    assert loop.run() == 0
    assert len(results) == 1 and results[0][0] == 0
    assert loop.ref_count == 0


def test_cancel_drops_the_callback_and_the_ref(loop, resolver):
    results = []
    req = resolver.resolve_ipv4("slow.test", 0, collect(results))
    assert resolver.pending == 1
    req.cancel()
    assert not req.pending
    assert resolver.pending == 0
    assert loop.ref_count == 0
    req.cancel()   # idempotent
    loop.run(nonblock=True)
    assert results == []


def test_shutdown_ends_pending_queries(loop, server):
    r = gcore.Resolver(loop, nameservers=[f"127.0.0.1:{server.port}"], resolv_conf=None)
    results = []
    r.resolve_ipv4("slow.test", 0, collect(results))
    r.getaddrinfo("slow.test", 80, collect(results))
    r.shutdown()
    assert r.closed
    with pytest.raises(RuntimeError, match="shut down"):
        r.resolve_ipv4("alpha.test", 0, collect(results))
    loop.run()
    assert sorted(results, key=repr) == sorted(
        [(gcore.DNS_ERR_SHUTDOWN, gcore.DNS_IPv4_A, 0, []), (gcore.DNS_EAI_CANCEL, [])], key=repr)
    assert repr(r).endswith("closed>")


def test_shutdown_without_failing_drops_pending_queries(loop, server):
    r = gcore.Resolver(loop, nameservers=[f"127.0.0.1:{server.port}"], resolv_conf=None)
    results = []
    a = r.resolve_ipv4("slow.test", 0, collect(results))
    b = r.getaddrinfo("slow.test", 80, collect(results))
    r.shutdown(fail_requests=False)
    assert r.closed and not a.pending and not b.pending
    assert loop.ref_count == 0          # nothing keeps the loop running for them
    loop.run()
    assert results == []                # their callbacks are never called


def test_dns_shutdown_fail_requests(default_loop, server):
    # The 0.13 signature: dns_shutdown(fail_requests=0) drops, a true value fails them.
    for fail, expected in ((False, []), (True, [(gcore.DNS_ERR_SHUTDOWN, gcore.DNS_IPv4_A, 0,
                                                  [])])):
        gcore.get_default_resolver().set_nameservers([("127.0.0.1", server.port)])
        results = []
        gcore.dns_resolve_ipv4("slow.test", 0, collect(results))
        gcore.dns_shutdown(fail_requests=fail)
        gcore.dispatch()
        assert results == expected, fail
    gcore.dns_shutdown()                 # no resolver: nothing to do


def test_callback_error_goes_to_the_loop_error_handler(loop, resolver):
    errors = []
    loop.error_handler = lambda context, t, v, tb: errors.append((context, t))
    results = []

    def bad(*args):
        raise ZeroDivisionError

    req = resolver.resolve_ipv4("alpha.test", 0, bad)
    resolver.resolve_ipv4("slow.test", 0, collect(results))
    loop.run()
    assert errors == [(req, ZeroDivisionError)]
    assert len(results) == 1, "the loop stopped after the error"


def test_no_nameserver_is_an_error(loop):
    r = gcore.Resolver(loop, resolv_conf=None, hosts=None)
    assert r.nameservers == []
    with pytest.raises(OSError, match="no nameserver"):
        r.resolve_ipv4("alpha.test", 0, print)
    r.shutdown()


# -- getaddrinfo -----------------------------------------------------------------


def test_getaddrinfo_numeric_answers_without_dns(loop, resolver, server):
    before = len(server.queries)
    results = []
    resolver.getaddrinfo("127.0.0.1", 80, collect(results), socktype=socket.SOCK_STREAM)
    assert results == [], "the callback must run from the loop, not inside getaddrinfo()"
    loop.run()
    assert results == [(0, [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                             ("127.0.0.1", 80))])]
    assert len(server.queries) == before


def test_getaddrinfo_reads_the_hosts_file(loop, resolver, server):
    before = len(server.queries)
    results = []
    resolver.getaddrinfo("fromhosts.test", "80", collect(results), family=socket.AF_INET,
                         socktype=socket.SOCK_STREAM)
    resolver.getaddrinfo("localhost", None, collect(results), family=socket.AF_INET,
                         socktype=socket.SOCK_STREAM)
    loop.run()
    assert sorted(results) == [(0, [(2, 1, 6, "", ("10.9.8.7", 80))]),
                               (0, [(2, 1, 6, "", ("127.0.0.1", 0))])]
    assert len(server.queries) == before


def test_getaddrinfo_through_dns(loop, resolver):
    results = []
    resolver.getaddrinfo("alpha.test", 443, collect(results), socktype=socket.SOCK_STREAM)
    resolver.getaddrinfo("missing.test", 443, collect(results), socktype=socket.SOCK_STREAM)
    loop.run()
    found = dict((len(addrs), (code, addrs)) for code, addrs in results)
    code, addrs = found[3]
    assert code == 0
    assert sorted(a[4] for a in addrs) == sorted(
        [("10.0.0.1", 443), ("10.0.0.2", 443), ("2001:db8::1", 443, 0, 0)])
    assert found[0] == (socket.EAI_NONAME, [])
    assert gcore.dns_gai_strerror(socket.EAI_NONAME)


# -- configuration and bad input -------------------------------------------------


def test_nameservers_can_be_set(loop):
    r = gcore.Resolver(loop, resolv_conf=None, nameservers=["10.1.2.3", "10.1.2.4:5353",
                                                          ("::1", 5300), "[::2]:53"])
    assert sorted(r.nameservers) == [("10.1.2.3", 53), ("10.1.2.4", 5353), ("::1", 5300),
                                     ("::2", 53)]
    r.set_nameservers([("127.0.0.1", 5353)])
    assert r.nameservers == [("127.0.0.1", 5353)]
    r.add_nameserver("127.0.0.2")
    assert r.count_nameservers() == 2
    r.shutdown()


@pytest.mark.parametrize("bad, exc", [
    ("example.com", ValueError), (("10.0.0.1", 0), ValueError), (("10.0.0.1", "53"), TypeError),
    ("10.0.0.1:x", ValueError), (5, TypeError), (("1.2.3.4",), ValueError),
])
def test_bad_nameservers_are_rejected(loop, bad, exc):
    r = gcore.Resolver(loop, resolv_conf=None)
    with pytest.raises(exc):
        r.set_nameservers([bad])
    r.shutdown()


def test_bad_queries_are_rejected(loop, resolver):
    with pytest.raises(ValueError):
        resolver.resolve_ipv4("alpha.test", 7, print)
    with pytest.raises(TypeError):
        resolver.resolve_ipv4(42, 0, print)
    with pytest.raises(ValueError):
        resolver.resolve_ipv4("", 0, print)
    with pytest.raises(ValueError):
        resolver.resolve_ipv4("a\0b", 0, print)
    with pytest.raises(TypeError):
        resolver.resolve_ipv4("alpha.test", 0, "not callable")
    with pytest.raises(ValueError):
        resolver.resolve_reverse(b"\1\2\3", 0, print)
    with pytest.raises(TypeError):
        resolver.resolve_reverse("10.0.0.1", 0, print)
    with pytest.raises(ValueError):
        resolver.resolve_reverse_ipv6(b"\0" * 4, 0, print)
    with pytest.raises(ValueError):
        resolver.getaddrinfo(None, None, print)
    with pytest.raises(TypeError):
        gcore.dns_request()
    assert resolver.pending == 0 and resolver.loop.ref_count == 0


# -- the 0.13 module-level API -----------------------------------------------------


def test_module_level_api_uses_the_default_loop(default_loop, server):
    gcore.dns_init()
    resolver = gcore.get_default_resolver()
    assert resolver.loop is default_loop
    resolver.set_nameservers([("127.0.0.1", server.port)])
    results = []
    gcore.dns_resolve_ipv4("alpha.test", 0, collect(results))
    gcore.dns_resolve_ipv6("alpha.test", 0, collect(results))
    gcore.dns_resolve_reverse(socket.inet_aton("10.0.0.1"), 0, collect(results))
    gcore.dns_resolve_reverse_ipv6(socket.inet_pton(socket.AF_INET6, "2001:db8::1"), 0,
                                   collect(results))
    gcore.dns_getaddrinfo("v4only.test", 80, collect(results), socket.AF_INET,
                          socket.SOCK_STREAM)
    gcore.dispatch()
    assert len(results) == 5
    assert {r[0] for r in results} == {0}
    gcore.dns_shutdown()
    assert resolver.closed
    assert gcore.get_default_resolver() is not resolver
    gcore.dns_shutdown()


def test_reinit_of_the_default_loop_replaces_the_default_resolver(run_python):
    # After a fork the child must not keep using the parent's resolver sockets.
    code = """
import os, gcore
before = gcore.get_default_resolver()
pid = os.fork()
if pid == 0:
    gcore.reinit()
    after = gcore.get_default_resolver()
    os._exit(0 if (before.closed and after is not before and not after.closed) else 1)
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status), "parent resolver open", not before.closed)
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["child", "0", "parent", "resolver", "open", "True"]
