#!/usr/bin/env python3
"""Resolve many names at once through gstack's resolver (libevent's evdns), a pool at a time.

    python examples/dns_mass_resolve.py [NAME ...] [--pattern www.{}.com --count 100]
                                        [--concurrency 10] [--timeout 10]
                                        [--nameserver HOST:PORT] [--quiet]

The 0.13 reference's ``dns_mass_resolve.py``: each name is looked up by
``gstack.socket.gethostbyname`` in a greenlet of a :class:`gstack.pool.Pool`
of ``--concurrency`` greenlets, so that many queries are out at once and the
whole batch takes about as long as its slowest names. Without names, it
resolves ``--count`` names made from ``--pattern``. ``--nameserver`` sends
the queries to that server instead of those of ``/etc/resolv.conf``.
Names still unresolved after ``--timeout`` seconds are given up.
"""

import argparse
import sys
import time

import gstack
from gstack import dns, socket
from gstack.pool import Pool


def nameserver(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/dns_mass_resolve.py",
                                     description="Resolve many names concurrently.")
    parser.add_argument("names", nargs="*", help="the names (default: from --pattern)")
    parser.add_argument("--pattern", default="www.{}.com", help="names to make (www.{}.com)")
    parser.add_argument("--count", type=int, default=100, help="how many to make (100)")
    parser.add_argument("--concurrency", type=int, default=10, help="queries at once (10)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds for the whole batch (10)")
    parser.add_argument("--nameserver", type=nameserver, help="HOST:PORT of a DNS server")
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    args = parser.parse_args(argv)

    names = args.names or [args.pattern.format(i) for i in range(args.count)]
    if args.nameserver:
        dns.get_resolver().set_nameservers([args.nameserver])
    results = {}

    def resolve(name):
        try:
            results[name] = socket.gethostbyname(name)
        except OSError as error:   # socket.gaierror: no such name, no answer...
            results[name] = error
        if not args.quiet:
            print(f"{name} {results[name]}", flush=True)

    pool = Pool(args.concurrency)
    started = time.monotonic()
    with gstack.Timeout(args.timeout, False):   # False: at the deadline, just go on
        for name in names:
            pool.spawn(resolve, name)
        pool.join()
    pool.kill()
    took = time.monotonic() - started
    resolved = sum(isinstance(value, str) for value in results.values())
    print(f"{len(names)} names in {took:.2f} s, {args.concurrency} at a time: "
          f"{resolved} resolved, {len(results) - resolved} failed, "
          f"{len(names) - len(results)} unfinished", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
