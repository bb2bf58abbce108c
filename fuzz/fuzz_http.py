"""atheris on gserve._http.RequestParser: heads, bodies, the chunked decoder.

Run by ``nox -s fuzz`` (pure-Python builds, so that atheris sees the
parser's branches): ``python fuzz_http.py -max_total_time=60 CORPUS``.

Each input picks how the bytes are split, whether they follow a valid
chunked (or Content-Length) request head, and the parser's limits; the
parser must return requests and body bytes or raise ``ProtocolError`` with
one of its statuses, never anything else, and what it decodes must be the
same however the bytes are split (one feed against many).
"""

import sys

import atheris

with atheris.instrument_imports(include=["gserve"]):
    from gserve._http import ProtocolError, RequestParser

STATUSES = {400, 413, 414, 431, 501, 505}
PREFIXES = [
    b"",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
]


def parse(chunks, limits):
    """The events of ``chunks`` fed in turn: ("request", ...), ("body", ...), ("error", status)."""
    parser = RequestParser(**limits)
    events = []
    in_body = False
    try:
        for chunk in chunks:
            parser.feed(chunk)
            while True:
                if in_body:
                    data = parser.read_body(-1)
                    if data is None:
                        break
                    if data == b"":
                        in_body = False
                        events.append(("end",))
                        continue
                    if events and events[-1][0] == "body":
                        events[-1] = ("body", events[-1][1] + data)
                    else:
                        events.append(("body", data))
                    continue
                request = parser.next_request()
                if request is None:
                    break
                events.append(("request", request.method, request.target, request.version,
                               tuple(request.headers)))
                in_body = True
    except ProtocolError as exc:
        assert exc.status in STATUSES, exc.status
        events.append(("error", exc.status))
    return events


def TestOneInput(data):  # noqa: N802 (atheris' name)
    fdp = atheris.FuzzedDataProvider(data)
    prefix = PREFIXES[fdp.ConsumeIntInRange(0, len(PREFIXES) - 1)]
    step = fdp.ConsumeIntInRange(1, 17)
    limits = {"max_request_line": fdp.ConsumeIntInRange(16, 8192),
              "max_header_size": fdp.ConsumeIntInRange(16, 65536),
              "max_header_count": fdp.ConsumeIntInRange(1, 100),
              "max_body_size": fdp.PickValueInList([None, 1, 100, 1 << 20])}
    payload = prefix + fdp.ConsumeBytes(fdp.remaining_bytes())
    whole = parse([payload], limits)
    pieces = parse([payload[i:i + step] for i in range(0, len(payload), step)], limits)
    assert pieces == whole, (whole, pieces)

def main():
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
