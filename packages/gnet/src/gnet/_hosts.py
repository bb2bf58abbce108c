"""The hosts file (``/etc/hosts``), which answers gnet's name lookups before DNS does.

:class:`HostsFile` parses the file on first use and again whenever its
modification time, size or inode changed; ``hosts`` is the one instance
gnet.dns asks (``gnet.dns.set_hosts_file`` points it elsewhere).
"""

from __future__ import annotations

import os
import socket as _stdsocket

__all__ = ["HostsFile", "hosts"]

class HostsFile:
    """An ``/etc/hosts``-style file, re-read whenever it changes.

    ``lookup(name, family)`` gives the addresses of a name (in file order);
    ``reverse(ip)`` the canonical name and aliases of an address.
    """

    def __init__(self, path="/etc/hosts"):
        self.path = path
        self._stamp = None
        self._names = {}     # lower-case name -> [(family, ip)]
        self._canonical = {}  # lower-case name -> (canonical name, aliases)
        self._addrs = {}     # normalised ip -> (canonical name, aliases)

    def _refresh(self):
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        names, canonical, addrs = {}, {}, {}
        if stamp is not None:
            try:
                with open(self.path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                text = ""
            for line in text.splitlines():
                fields = line.split("#", 1)[0].split()
                if len(fields) < 2:
                    continue
                ip = fields[0]
                family = _numeric_family(ip)
                if family is None:
                    continue
                ip = _normalise(family, ip)
                hostnames = fields[1:]
                for name in hostnames:
                    key = name.lower()
                    entry = (family, ip)
                    known = names.setdefault(key, [])
                    if entry not in known:
                        known.append(entry)
                    canonical.setdefault(key, (hostnames[0], hostnames[1:]))
                addrs.setdefault(ip, (hostnames[0], hostnames[1:]))
        self._names, self._canonical, self._addrs = names, canonical, addrs
        self._stamp = stamp

    def lookup(self, name, family=0):
        """The ``[(family, ip), ...]`` of ``name`` (``family`` 0: any)."""
        self._refresh()
        found = self._names.get(name.rstrip(".").lower(), ())
        if family:
            return [entry for entry in found if entry[0] == family]
        return list(found)

    def canonical(self, name):
        """``(canonical name, aliases)`` of a name listed in the file, or None."""
        self._refresh()
        found = self._canonical.get(name.rstrip(".").lower())
        return (found[0], list(found[1])) if found else None

    def reverse(self, ip):
        """``(canonical name, aliases)`` of a numeric address listed in the file, or None."""
        self._refresh()
        family = _numeric_family(ip)
        if family is None:
            return None
        found = self._addrs.get(_normalise(family, ip))
        return (found[0], list(found[1])) if found else None


def _numeric_family(ip):
    for family in (_stdsocket.AF_INET, _stdsocket.AF_INET6):
        try:
            _stdsocket.inet_pton(family, ip)
            return family
        except (OSError, ValueError):
            pass
    return None


def _normalise(family, ip):
    return _stdsocket.inet_ntop(family, _stdsocket.inet_pton(family, ip))


hosts = HostsFile()
