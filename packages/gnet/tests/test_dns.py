"""gnet.dns and gnet.socket's name functions, against the tests' own DNS server on 127.0.0.1."""

import socket as stdsocket
import time

import pytest
from conftest import DNS_TIMEOUT

import gcore
import ghub
import gnet.dns
from gnet import socket
from gnet.dns import DNSError


def packed(ip):
    family = stdsocket.AF_INET6 if ":" in ip else stdsocket.AF_INET
    return stdsocket.inet_pton(family, ip)


# -- the 0.13 reference's first example ------------------------------------------------


def test_first_example_lookups_run_concurrently(dns):
    # gevent 0.13's introduction, against our server: each name answers after a delay.
    hosts = ["slow1.test", "slow2.test", "slow3.test"]
    delays = [0.2, 0.3, 0.4]   # as configured in conftest.RECORDS
    start = time.monotonic()
    jobs = [ghub.spawn(socket.gethostbyname, host) for host in hosts]
    ghub.joinall(jobs, timeout=2)
    elapsed = time.monotonic() - start
    assert [job.value for job in jobs] == ["10.0.1.1", "10.0.1.2", "10.0.1.3"]
    assert elapsed < sum(delays), f"the lookups ran one after the other ({elapsed:.2f}s)"
    assert elapsed >= max(delays) - 0.05


# -- gnet.dns -------------------------------------------------------------------------------


def test_resolve_ipv4(dns):
    ttl, addrs = gnet.dns.resolve_ipv4("alpha.test")
    assert ttl == 300
    assert addrs == [packed("10.0.0.1"), packed("10.0.0.2")]


def test_resolve_ipv6(dns):
    assert gnet.dns.resolve_ipv6("alpha.test", gnet.dns.DNS_QUERY_NO_SEARCH) == (
        300, [packed("2001:db8::1")])


def test_resolve_reverse(dns):
    assert gnet.dns.resolve_reverse(packed("10.0.0.1")) == (300, "alpha.test")
    assert gnet.dns.resolve_reverse_ipv6(packed("2001:db8::1")) == (300, "alpha.test")


def test_nxdomain_raises_dns_error(dns):
    with pytest.raises(DNSError) as info:
        gnet.dns.resolve_ipv4("missing.test")
    assert info.value.errno == gcore.DNS_ERR_NOTEXIST
    assert info.value.strerror == "name does not exist"
    assert isinstance(info.value, socket.gaierror)


def test_dns_timeout(dns):
    start = time.monotonic()
    with pytest.raises(DNSError) as info:
        gnet.dns.resolve_ipv4("silent.test")
    assert info.value.errno == gcore.DNS_ERR_TIMEOUT
    assert time.monotonic() - start >= DNS_TIMEOUT * 0.8


def test_timeout_argument_bounds_the_wait_and_cancels_the_query(dns):
    hub = ghub.get_hub()
    with pytest.raises(DNSError) as info:
        gnet.dns.resolve_ipv4("slow3.test", timeout=0.05)
    assert info.value.errno == gcore.DNS_ERR_TIMEOUT
    assert gnet.dns.get_resolver().pending == 0
    assert hub.loop.ref_count == 0
    with pytest.raises(ValueError):
        gnet.dns.resolve_ipv4("alpha.test", timeout=-1)


def test_killed_while_resolving_leaves_nothing_pending(dns):
    job = ghub.spawn(gnet.dns.resolve_ipv4, "slow3.test")
    ghub.sleep(0.05)
    assert gnet.dns.get_resolver().pending == 1
    job.kill()
    assert gnet.dns.get_resolver().pending == 0
    with pytest.raises(ghub.Timeout):
        with ghub.Timeout(0.05):
            gnet.dns.resolve_reverse(packed("10.0.0.2"))   # silent PTR
    assert gnet.dns.get_resolver().pending == 0


def test_bad_input(dns):
    with pytest.raises(ValueError):
        gnet.dns.resolve_reverse(b"\1\2")
    with pytest.raises(TypeError):
        gnet.dns.resolve_ipv4(1234)
    with pytest.raises(ValueError):
        gnet.dns.resolve_ipv4("alpha.test", flags=99)


def test_reset_fails_queries_in_flight(dns):
    job = ghub.spawn(gnet.dns.resolve_ipv4, "slow3.test")
    ghub.sleep(0.05)
    gnet.dns.reset()
    with pytest.raises(DNSError) as info:
        job.get(timeout=2)
    assert info.value.errno == gcore.DNS_ERR_SHUTDOWN


# -- gnet.socket's name functions --------------------------------------------------------


def test_numeric_addresses_never_reach_dns(dns):
    before = len(dns.queries)
    assert socket.gethostbyname("10.1.2.3") == "10.1.2.3"
    assert socket.gethostbyname_ex("10.1.2.3") == ("10.1.2.3", [], ["10.1.2.3"])
    infos = socket.getaddrinfo("::1", 80, socket.AF_INET6, socket.SOCK_STREAM)
    assert infos[0][4][:2] == ("::1", 80)
    assert socket.getaddrinfo("127.0.0.1", "80", 0, socket.SOCK_STREAM) == \
        stdsocket.getaddrinfo("127.0.0.1", "80", 0, socket.SOCK_STREAM)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET6)
    assert len(dns.queries) == before


def test_localhost_and_the_hosts_file(dns, hosts_file):
    before = len(dns.queries)
    assert socket.gethostbyname("localhost") == "127.0.0.1"
    assert socket.gethostbyname("files.test") == "10.9.8.7"
    assert socket.gethostbyname("FILES") == "10.9.8.7"
    assert socket.gethostbyname_ex("files") == ("files.test", ["files"], ["10.9.8.7"])
    infos = socket.getaddrinfo("localhost", 80, 0, socket.SOCK_STREAM)
    assert {info[4][0] for info in infos} == {"127.0.0.1", "::1"}
    assert socket.gethostbyaddr("10.9.8.8") == ("other.test", [], ["10.9.8.8"])
    assert socket.getnameinfo(("10.9.8.7", 80), 0) == ("files.test", "http")
    assert len(dns.queries) == before


def test_hosts_file_changes_are_seen(dns, hosts_file):
    assert socket.gethostbyname("other.test") == "10.9.8.8"
    hosts_file.write_text("10.7.7.7 other.test\n")
    assert socket.gethostbyname("other.test") == "10.7.7.7"


def test_real_etc_hosts_localhost(dns):
    assert socket.gethostbyname("localhost") == "127.0.0.1"


def test_gethostbyname_through_dns(dns):
    assert socket.gethostbyname("alpha.test") == "10.0.0.1"
    assert socket.gethostbyname_ex("alpha.test") == ("alpha.test", [], ["10.0.0.1", "10.0.0.2"])


def test_getaddrinfo_both_families_and_canonname(dns):
    infos = socket.getaddrinfo("alpha.test", 443, 0, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
    assert [info[4][:2] for info in infos] == [
        ("10.0.0.1", 443), ("10.0.0.2", 443), ("2001:db8::1", 443)]
    assert infos[0][3] == "alpha.test"
    assert infos[0][0] is socket.AF_INET and infos[2][0] is socket.AF_INET6
    only6 = socket.getaddrinfo("alpha.test", "https", socket.AF_INET6, socket.SOCK_STREAM)
    assert [info[4][:2] for info in only6] == [("2001:db8::1", 443)]
    assert socket.getaddrinfo("v6.test", None, 0, socket.SOCK_DGRAM)[0][4][0] == "2001:db8::6"


def test_nxdomain_is_eai_noname(dns):
    for call in (lambda: socket.gethostbyname("missing.test"),
                 lambda: socket.getaddrinfo("missing.test", 80),
                 lambda: socket.create_connection(("missing.test", 80))):
        with pytest.raises(socket.gaierror) as info:
            call()
        assert info.value.errno == socket.EAI_NONAME
        assert info.value.strerror == "Name or service not known"


def test_name_without_address_is_eai_nodata(dns):
    with pytest.raises(socket.gaierror) as info:
        socket.gethostbyname("noaddr.test")
    assert info.value.errno == socket.EAI_NODATA
    with pytest.raises(socket.gaierror) as info:
        socket.getaddrinfo("v4.test", 80, socket.AF_INET6)
    assert info.value.errno == socket.EAI_NODATA


def test_dns_timeout_is_eai_again(dns):
    with pytest.raises(socket.gaierror) as info:
        socket.gethostbyname("silent.test")
    assert info.value.errno == socket.EAI_AGAIN
    assert info.value.strerror == "Temporary failure in name resolution"


def test_gethostbyaddr(dns):
    assert socket.gethostbyaddr("10.0.0.1") == ("alpha.test", [], ["10.0.0.1"])
    assert socket.gethostbyaddr("2001:db8::1") == ("alpha.test", [], ["2001:db8::1"])
    assert socket.gethostbyaddr("v4.test") == ("v4.example.test", [], ["10.0.0.4"])
    with pytest.raises(socket.herror) as info:
        socket.gethostbyaddr("10.0.0.9")
    assert info.value.args == (1, "Unknown host")
    with pytest.raises(socket.herror) as info:
        socket.gethostbyaddr("10.0.0.2")   # silent
    assert info.value.args[0] == 2
    with pytest.raises(socket.gaierror):
        socket.gethostbyaddr("missing.test")
    with pytest.raises(socket.herror):
        socket.gethostbyaddr("fe80::1%1")   # the scope is not part of the PTR name
    with pytest.raises(TypeError):
        socket.gethostbyaddr(b"10.0.0.1")


def test_getnameinfo(dns):
    assert socket.getnameinfo(("10.0.0.1", 22), 0) == ("alpha.test", "ssh")
    assert socket.getnameinfo(("10.0.0.1", 22), socket.NI_NUMERICSERV) == ("alpha.test", "22")
    assert socket.getnameinfo(("10.0.0.1", 22), socket.NI_NOFQDN) == ("alpha", "ssh")
    assert socket.getnameinfo(("10.0.0.9", 80), 0) == ("10.0.0.9", "http")
    before = len(dns.queries)
    assert socket.getnameinfo(("10.0.0.1", 80), socket.NI_NUMERICHOST) == ("10.0.0.1", "http")
    assert len(dns.queries) == before
    with pytest.raises(socket.gaierror) as info:
        socket.getnameinfo(("10.0.0.9", 80), socket.NI_NAMEREQD)
    assert info.value.errno == socket.EAI_NONAME
    with pytest.raises(socket.gaierror):
        socket.getnameinfo(("alpha.test", 80), 0)   # the stdlib wants a numeric host


def test_getfqdn(dns, hosts_file):
    assert socket.getfqdn("10.0.0.4") == "v4.example.test"
    assert socket.getfqdn("files") == "files.test"
    assert socket.getfqdn("10.0.0.9") == "10.0.0.9"


def test_name_functions_reject_bad_types(dns):
    with pytest.raises(TypeError):
        socket.gethostbyname(b"localhost")
    with pytest.raises(TypeError):
        socket.gethostbyname_ex(None)
    with pytest.raises(TypeError):
        socket.getaddrinfo(123, 80)
    with pytest.raises(OSError):
        socket.getaddrinfo("alpha.test", 1.5)


def test_resolution_does_not_block_other_greenlets(dns):
    ticks = []

    def ticker():
        for _ in range(5):
            ticks.append(time.monotonic())
            ghub.sleep(0.05)

    t = ghub.spawn(ticker)
    assert socket.gethostbyname("slow3.test") == "10.0.1.3"
    t.get(timeout=2)
    assert len(ticks) == 5


def test_each_thread_has_its_own_resolver(dns):
    import threading

    found = []

    def in_thread():
        resolver = gnet.dns.get_resolver()
        resolver.set_nameservers([("127.0.0.1", dns.port)])
        found.append(resolver is not main_resolver)
        found.append(resolver.loop is ghub.get_hub().loop)
        found.append(socket.gethostbyname("v4.test"))
        gnet.dns.reset()

    main_resolver = gnet.dns.get_resolver()
    thread = threading.Thread(target=in_thread)
    thread.start()
    while thread.is_alive():
        ghub.sleep(0.01)
    thread.join()
    assert found == [True, True, "10.0.0.4"]


def test_names_evdns_refuses_are_gaierrors(dns):
    too_long = ".".join(["a" * 60] * 5)   # 304 characters: no DNS name is that long
    with pytest.raises(socket.gaierror) as info:
        socket.getaddrinfo(too_long, 80)
    assert info.value.errno == socket.EAI_NONAME
    with pytest.raises(UnicodeError):
        socket.getaddrinfo("a" * 70, 80)   # a label over 63 characters, as the stdlib says


def test_no_nameserver_is_a_temporary_failure(dns):
    gnet.dns.get_resolver().set_nameservers([])
    with pytest.raises(socket.gaierror) as info:
        socket.gethostbyname("alpha.test")
    assert info.value.errno == socket.EAI_AGAIN
    with pytest.raises(socket.herror):
        socket.gethostbyaddr("10.0.0.1")


# -- the system resolver in the thread pool (GSTACK_RESOLVER=thread) ----------------------


@pytest.fixture
def thread_resolver():
    previous = gnet.dns.set_resolver_kind("thread")
    yield
    gnet.dns.set_resolver_kind(previous)


def test_thread_resolver_asks_the_system_not_evdns(dns, tmp_path, thread_resolver):
    # evdns has no nameserver and a hosts file without localhost: it cannot answer.
    # The C library's resolver (NSS: /etc/hosts, its built-in localhost) can.
    empty = tmp_path / "hosts"
    empty.write_text("# nothing\n")
    gnet.dns.set_hosts_file(str(empty))
    try:
        gnet.dns.get_resolver().set_nameservers([])
        assert gnet.dns.resolver_kind() == "thread"
        expected = stdsocket.getaddrinfo("localhost", 80, 0, stdsocket.SOCK_STREAM)
        assert socket.getaddrinfo("localhost", 80, 0, stdsocket.SOCK_STREAM) == expected
        assert socket.gethostbyname("localhost") == stdsocket.gethostbyname("localhost")
        assert socket.gethostbyname_ex("localhost") == stdsocket.gethostbyname_ex("localhost")
        assert socket.getnameinfo(("127.0.0.1", 80), stdsocket.NI_NUMERICSERV) == \
            stdsocket.getnameinfo(("127.0.0.1", 80), stdsocket.NI_NUMERICSERV)
        with pytest.raises(stdsocket.gaierror):   # the system's error, raised here
            socket.getaddrinfo("localhost", "no-such-service", 0, stdsocket.SOCK_STREAM)
        assert ghub.get_hub().threadpool.size >= 1   # the calls went through the pool
        gnet.dns.set_resolver_kind("evdns")
        with pytest.raises(stdsocket.gaierror) as info:
            socket.gethostbyname("localhost")       # evdns: nobody to ask
        assert info.value.errno == stdsocket.EAI_AGAIN
    finally:
        gnet.dns.set_hosts_file(None)


def test_thread_resolver_lets_other_greenlets_run(thread_resolver):
    ticks = []

    def ticker():
        for _ in range(3):
            ticks.append(1)
            ghub.sleep(0)

    t = ghub.spawn(ticker)
    results = [ghub.spawn(socket.gethostbyname, "localhost") for _ in range(4)]
    ghub.joinall(results, timeout=10, raise_error=True)
    t.get(timeout=5)
    assert len(ticks) == 3
    assert {g.value for g in results} == {stdsocket.gethostbyname("localhost")}


def test_resolver_kind_checks_its_argument():
    with pytest.raises(ValueError, match="'evdns' or 'thread'"):
        gnet.dns.set_resolver_kind("libc")
    with pytest.raises(TypeError, match="must be a str"):
        gnet.dns.set_resolver_kind(None)
    assert gnet.dns.resolver_kind() == "evdns"
    assert gnet.dns.RESOLVER_KINDS == ("evdns", "thread")


def test_gstack_resolver_environment_variable():
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    code = "import gnet.dns; print(gnet.dns.resolver_kind())"
    for value, expected in (("thread", "thread"), ("evdns", "evdns"), ("", "evdns")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(env, GSTACK_RESOLVER=value), timeout=60)
        assert out.stdout.strip() == expected, out.stderr
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(env, GSTACK_RESOLVER="nss"), timeout=60)
    assert out.returncode != 0
    assert "GSTACK_RESOLVER must be 'evdns' or 'thread', not 'nss'" in out.stderr
