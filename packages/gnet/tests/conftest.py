"""Shared fixtures for gnet's tests: the hub, a DNS server of our own, TLS certificates, fds.

Every test gets the hub checked idle afterwards (no event, callback or DNS
query left pending: a leftover is a bug of the test or of gnet). DNS goes to
:class:`dnsserver.DNSServer` on 127.0.0.1 only, and TLS uses a CA and
certificates generated for the session with ``cryptography``.
"""

import os
import resource
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from dnsserver import DNSServer  # noqa: E402

import ghub  # noqa: E402
import gnet.dns  # noqa: E402

RECORDS = {
    # name: A, AAAA, delay (seconds) before the answer
    "alpha.test": {"A": ["10.0.0.1", "10.0.0.2"], "AAAA": ["2001:db8::1"]},
    "v4.test": {"A": ["10.0.0.4"]},
    "v6.test": {"AAAA": ["2001:db8::6"]},
    "noaddr.test": {},
    "loop.test": {"A": ["127.0.0.1"]},
    "slow1.test": {"A": ["10.0.1.1"], "delay": 0.2},
    "slow2.test": {"A": ["10.0.1.2"], "delay": 0.3},
    "slow3.test": {"A": ["10.0.1.3"], "delay": 0.4},
    "1.0.0.10.in-addr.arpa": {"PTR": "alpha.test"},
    "4.0.0.10.in-addr.arpa": {"PTR": "v4.example.test"},
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa": {
        "PTR": "alpha.test"},
}
SILENT = ["silent.test", "2.0.0.10.in-addr.arpa"]
DNS_TIMEOUT = 0.8   # evdns' per-attempt timeout in these tests (one attempt)


def loop_is_idle(loop):
    return loop.ref_count == 0 and loop.pending_callbacks == 0


@pytest.fixture(autouse=True)
def idle_hub():
    """Check that the test left nothing pending in the hub's loop."""
    hub = ghub.get_hub()
    yield hub
    # Let callbacks queued by the test's last actions run, then check.
    for _ in range(3):
        if loop_is_idle(hub.loop):
            break
        ghub.sleep(0)
    assert hub.loop.ref_count == 0, f"the test left pending events in {hub.loop!r}"


@pytest.fixture(scope="session")
def dns_server():
    server = DNSServer(RECORDS, silent=SILENT).start()
    yield server
    server.close()


@pytest.fixture
def dns(dns_server):
    """gnet's resolver pointed at the test DNS server (fast timeout, one attempt)."""
    resolver = gnet.dns.get_resolver()
    resolver.set_nameservers([("127.0.0.1", dns_server.port)])
    resolver.set_option("timeout", DNS_TIMEOUT)
    resolver.set_option("attempts", 1)
    resolver.set_option("max-timeouts", 1000)   # a silent name must not mark the server down
    resolver.search_clear()
    yield dns_server
    gnet.dns.reset()
    ghub.sleep(0)


@pytest.fixture
def hosts_file(tmp_path):
    """A hosts file of the test's own, used instead of /etc/hosts."""
    path = tmp_path / "hosts"
    path.write_text(
        "# test hosts\n"
        "127.0.0.1 localhost\n"
        "::1 localhost ip6-localhost\n"
        "10.9.8.7 files.test files  # with an alias\n"
        "10.9.8.8 other.test\n")
    gnet.dns.set_hosts_file(str(path))
    yield path
    gnet.dns.set_hosts_file(None)


def open_fds():
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def fd_count():
    return open_fds


@pytest.fixture
def nofile():
    """Raise the soft RLIMIT_NOFILE to ``n`` for the test (restored after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    def ensure(n):
        if soft != resource.RLIM_INFINITY and soft < n:
            target = n if hard == resource.RLIM_INFINITY else min(n, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        now = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return now == resource.RLIM_INFINITY or now >= n

    yield ensure
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# -- TLS -------------------------------------------------------------------------------

from tlscerts import Certificates  # noqa: E402


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return Certificates(tmp_path_factory.mktemp("tls"))


# --leaks=N (tools/pytest_leaks.py): each test run N more times, failed on steady growth.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools"))
from pytest_build import decoys  # noqa: E402,F401  (the fixture of test_build.py)
from pytest_leaks import *  # noqa: E402,F403
