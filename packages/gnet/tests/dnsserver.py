"""A small DNS responder for the tests: UDP on 127.0.0.1, answering from a table.

It runs in a thread of its own (plain blocking sockets, no gstack), so that
it answers while the hub under test is blocked in its loop. Each name can
have A, AAAA and PTR answers and a delay; a delayed answer is sent by a
timer thread, so that slow names do not hold up fast ones. Unknown names
get NXDOMAIN; names listed in ``silent`` are never answered. ``queries``
records every question asked, as ``(name, qtype)`` in arrival order.
"""

import socket
import struct
import threading

TYPE_A = 1
TYPE_PTR = 12
TYPE_AAAA = 28
RCODE_NXDOMAIN = 3
RCODE_SERVFAIL = 2


def _read_name(packet, offset):
    labels = []
    while True:
        length = packet[offset]
        if length == 0:
            return b".".join(labels), offset + 1
        if length & 0xC0:
            raise ValueError("compressed names are not expected in questions")
        labels.append(packet[offset + 1:offset + 1 + length])
        offset += 1 + length


def _encode_name(name):
    out = b""
    for label in name.encode("ascii").split(b"."):
        if label:
            out += bytes([len(label)]) + label
    return out + b"\0"


class DNSServer:
    """``DNSServer(records, silent=(), servfail=(), ttl=300)``; ``start()``/``close()``.

    ``records``: {name: {"A": [...], "AAAA": [...], "PTR": "host", "delay": s}}
    (for PTR, the name is the in-addr.arpa / ip6.arpa name).
    """

    def __init__(self, records=None, silent=(), servfail=(), ttl=300):
        self.records = {k.lower(): v for k, v in (records or {}).items()}
        self.silent = {n.lower() for n in silent}
        self.servfail = {n.lower() for n in servfail}
        self.ttl = ttl
        self.queries = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self.address = self._sock.getsockname()
        self._timers = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="test-dns", daemon=True)
        self._closed = False

    @property
    def port(self):
        return self.address[1]

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self._closed = True
        with self._lock:
            timers = list(self._timers)
        for t in timers:
            t.cancel()
        # Wake the blocked recvfrom with an empty datagram.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"", self.address)
        self._thread.join(5)
        self._sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def _serve(self):
        while True:
            try:
                packet, peer = self._sock.recvfrom(4096)
            except OSError:
                return
            if self._closed:
                return
            try:
                self._handle(packet, peer)
            except (ValueError, IndexError, struct.error):
                pass   # malformed: drop

    def _handle(self, packet, peer):
        ident, flags, qdcount = struct.unpack("!HHH", packet[:6])
        if qdcount != 1:
            return
        raw_name, end = _read_name(packet, 12)
        qtype, qclass = struct.unpack("!HH", packet[end:end + 4])
        question = packet[12:end + 4]
        name = raw_name.decode("ascii").lower()
        with self._lock:
            self.queries.append((name, qtype))
        if name in self.silent:
            return
        rd = flags & 0x0100
        rcode = 0
        answers = []
        entry = self.records.get(name)
        if name in self.servfail:
            rcode = RCODE_SERVFAIL
        elif entry is None:
            rcode = RCODE_NXDOMAIN
        else:
            if qtype == TYPE_A:
                for ip in entry.get("A", ()):
                    answers.append((TYPE_A, socket.inet_pton(socket.AF_INET, ip)))
            elif qtype == TYPE_AAAA:
                for ip in entry.get("AAAA", ()):
                    answers.append((TYPE_AAAA, socket.inet_pton(socket.AF_INET6, ip)))
            elif qtype == TYPE_PTR and "PTR" in entry:
                answers.append((TYPE_PTR, _encode_name(entry["PTR"])))
        header = struct.pack("!HHHHHH", ident, 0x8000 | 0x0400 | rd | 0x0080 | rcode,
                             1, len(answers), 0, 0)
        body = question
        for rtype, rdata in answers:
            body += struct.pack("!HHHIH", 0xC00C, rtype, 1, self.ttl, len(rdata)) + rdata
        reply = header + body
        delay = entry.get("delay", 0) if entry else 0
        if delay:
            timer = threading.Timer(delay, self._send, (reply, peer))
            timer.daemon = True
            with self._lock:
                self._timers.append(timer)
            timer.start()
        else:
            self._send(reply, peer)

    def _send(self, reply, peer):
        if self._closed:
            return
        try:
            self._sock.sendto(reply, peer)
        except OSError:
            pass
