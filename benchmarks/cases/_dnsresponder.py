"""A tiny DNS responder on 127.0.0.1 for the ``dns_lookup`` case (plain stdlib, its own process).

``python _dnsresponder.py [--cpu N] [--delay SECONDS]`` binds a UDP socket
on 127.0.0.1 (a free port), prints the port, then answers every query until
it is killed: an ``A`` question gets one answer, 127.0.0.1, with a TTL of 0
(so nothing should cache it); any other type gets an empty NOERROR answer.
The reply is the query with the header flags and counts rewritten and the
answer record appended (its name is a pointer to the question), which keeps
the responder cheap enough not to be the bottleneck of the lookups it serves.

Each reply leaves ``--delay`` seconds (default 0.05) after its query came
in, like a server across a network. That keeps the replies spaced as the
client spaced its queries: answered at once, a burst of 1,000 replies
arrives while the client is still sending and overflows the client socket's
receive buffer (``net.core.rmem_default``), and the lost replies turn into
one-second retries that swamp the measurement. The arrival time is the
kernel's (``SO_TIMESTAMPNS``), so that queries read in one gulp after the
responder was kept off its CPU are still answered as spaced as they came.
"""

import select
import socket
import struct
import sys
import time
from collections import deque

from _common import child_cpu

_A, _IN = 1, 1
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; SCM_TIMESTAMPNS is the same
_TIMESPEC = struct.Struct("@qq")
_ANSWER = struct.pack("!HHHIH4s", 0xC00C, _A, _IN, 0, 4, socket.inet_aton("127.0.0.1"))


def _reply(query):
    if len(query) < 17:
        return None
    end = 12
    while end < len(query) and query[end]:  # walk the question's labels
        end += query[end] + 1
    question_end = end + 5  # the root label, then QTYPE and QCLASS
    if question_end > len(query):
        return None
    qtype = struct.unpack_from("!H", query, end + 1)[0]
    answers = 1 if qtype == _A else 0
    # QR=1, opcode copied, AA=1, RD copied, RA=1, RCODE=0; one question.
    flags = 0x8480 | (query[2] << 8 & 0x7900)
    header = query[:2] + struct.pack("!HHHHH", flags, 1, answers, 0, 0)
    body = query[12:question_end]
    return header + body + (_ANSWER if answers else b"")


def serve(delay):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        stamped = True
    except OSError:
        stamped = False
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    print(sock.getsockname()[1], flush=True)
    recvmsg, sendto, clock = sock.recvmsg, sock.sendto, time.time
    cmsg_space = socket.CMSG_SPACE(_TIMESPEC.size)
    pending = deque()  # (when, reply, peer), in order of arrival
    while True:
        timeout = max(0.0, pending[0][0] - clock()) if pending else None
        if select.select([sock], [], [], timeout)[0]:
            now = clock()
            while True:
                try:
                    query, ancillary, _, peer = recvmsg(512, cmsg_space)
                except BlockingIOError:
                    break
                arrived = now
                if stamped:
                    for level, kind, data in ancillary:
                        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
                            arrived = seconds + nanoseconds * 1e-9
                reply = _reply(query)
                if reply is not None:
                    pending.append((arrived + delay, reply, peer))
        now = clock()
        while pending and pending[0][0] <= now:
            _, reply, peer = pending.popleft()
            sendto(reply, peer)


if __name__ == "__main__":
    args = child_cpu(sys.argv[1:])
    serve(float(args[args.index("--delay") + 1]) if "--delay" in args else 0.05)
