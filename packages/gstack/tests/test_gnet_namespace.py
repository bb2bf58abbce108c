"""gstack lays gnet out at the 0.13 reference's paths: the layer's objects themselves."""

import importlib

import pytest

import gnet.asyncio
import gnet.dns
import gnet.select
import gnet.socket
import gnet.ssl

LAYER = {"socket": gnet.socket, "ssl": gnet.ssl, "dns": gnet.dns, "select": gnet.select,
         "asyncio": gnet.asyncio}

# The 0.13 reference's names in each module.
NAMES_0_13 = {
    "socket": ["socket", "create_connection", "socketpair", "fromfd", "getaddrinfo",
               "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo", "getfqdn",
               "wait_read", "wait_write", "wait_readwrite", "error", "timeout", "gaierror",
               "AF_INET", "SOCK_STREAM"],
    "ssl": ["SSLSocket", "wrap_socket", "SSLError", "CERT_NONE", "get_server_certificate"],
    "dns": ["DNSError", "resolve_ipv4", "resolve_ipv6", "resolve_reverse",
            "resolve_reverse_ipv6"],
    "select": ["select", "error"],
}


@pytest.mark.parametrize("name", sorted(LAYER))
def test_module_reexports_every_gnet_name(name):
    module = importlib.import_module(f"gstack.{name}")
    layer = LAYER[name]
    assert module.__name__ == f"gstack.{name}"
    assert module.__all__ == layer.__all__
    assert layer.__all__, f"gnet.{name} exports nothing"
    for each in layer.__all__:
        assert getattr(module, each) is getattr(layer, each), f"gstack.{name}.{each}"


@pytest.mark.parametrize("name", sorted(NAMES_0_13))
def test_module_has_the_0_13_names(name):
    module = importlib.import_module(f"gstack.{name}")
    for each in NAMES_0_13[name]:
        assert each in module.__all__, f"gstack.{name}.{each}"


def test_socket_keeps_the_stdlib_default_timeout_marker():
    import socket as stdlib_socket

    import gstack.socket

    assert gstack.socket._GLOBAL_DEFAULT_TIMEOUT is stdlib_socket._GLOBAL_DEFAULT_TIMEOUT


def test_the_0_13_first_example_runs_on_gstack_paths():
    # The reference's example, on names that need no DNS server (numeric and localhost).
    import ghub
    from gstack import socket

    hosts = ["127.0.0.1", "localhost", "10.1.2.3"]
    jobs = [ghub.spawn(socket.gethostbyname, host) for host in hosts]
    ghub.joinall(jobs, timeout=2)
    assert [job.value for job in jobs] == ["127.0.0.1", "127.0.0.1", "10.1.2.3"]


def test_asyncio_runs_a_coroutine_on_the_hub():
    import asyncio

    import gstack.asyncio

    async def main():
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop())

    assert gstack.asyncio.run(main()) is gnet.asyncio.EventLoop
    assert "wait" in gstack.asyncio.__all__ and "to_greenlet" in gstack.asyncio.__all__
