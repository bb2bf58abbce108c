"""Tests of gserve._http, the sans-I/O request parser: bytes in, requests out, no sockets."""

import pickle
import time
from http import HTTPStatus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gserve._http import ProtocolError, Request, RequestParser

FIELDS = ("method", "target", "version", "version_info", "headers", "content_length",
          "chunked", "keep_alive", "expect_continue", "upgrade")
STATUSES = {400: "Bad Request", 413: "Content Too Large", 414: "URI Too Long",
            431: "Request Header Fields Too Large", 501: "Not Implemented",
            505: "HTTP Version Not Supported"}


def fields(request):
    return tuple(getattr(request, name) for name in FIELDS)


def drive(chunks, **limits):
    """Feed ``chunks`` one by one, draining the parser after each: the events seen.

    Events: ("request", fields), ("data", bytes) (consecutive pieces merged),
    ("end",) for a complete body, then ("error", status, message) or
    ("waiting", buffered) at the end of the input.
    """
    parser = RequestParser(**limits)
    events = []
    in_body = False
    try:
        for chunk in chunks:
            parser.feed(chunk)
            while True:
                if not in_body:
                    request = parser.next_request()
                    if request is None:
                        break
                    events.append(("request", fields(request)))
                    in_body = True
                else:
                    data = parser.read_body()
                    if data is None:
                        break
                    if data == b"":
                        events.append(("end",))
                        in_body = False
                    elif events[-1][0] == "data":
                        events[-1] = ("data", events[-1][1] + data)
                    else:
                        events.append(("data", data))
    except ProtocolError as error:
        assert error.reason == STATUSES[error.status]
        assert str(error) != "malformed request head"   # the fallback no rule should reach
        events.append(("error", error.status, str(error)))
    else:
        events.append(("waiting", parser.buffered))
    return events


def parse_one(data, **limits):
    """The one request in ``data`` and its whole body."""
    parser = RequestParser(**limits)
    parser.feed(data)
    request = parser.next_request()
    assert request is not None
    body = b""
    while (piece := parser.read_body()):
        body += piece
    assert piece == b""
    return request, body, parser


def error_of(data, **limits):
    events = drive([data], **limits)
    assert events[-1][0] == "error", events
    return events[-1][1], events[-1][2]


# -- heads -------------------------------------------------------------------------------

CURL = (b"GET /index.html?q=1 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\n"
        b"Accept: */*\r\n\r\n")


def test_simple_get():
    request, body, parser = parse_one(CURL)
    assert fields(request) == (
        "GET", "/index.html?q=1", "HTTP/1.1", (1, 1),
        [("Host", "localhost:8080"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")],
        None, False, True, False, False)
    assert body == b""
    assert parser.body_complete and parser.buffered == 0
    assert parser.next_request() is None
    text = repr(request)
    assert text.startswith("<Request GET '/index.html?q=1' HTTP/1.1 headers=3 ")
    assert "keep_alive=True" in text


def test_header_values_are_stripped_names_kept_and_latin1_decoded():
    request, _, _ = parse_one(
        b"OPTIONS * HTTP/1.1\r\nhOsT:\ta.example\r\nX-Empty:\r\nX-Blank: \t \r\n"
        b"X-Inner: a \t b  \r\nX-Latin: caf\xe9\r\nX_Odd.Name~!: 1\r\n\r\n")
    assert request.method == "OPTIONS" and request.target == "*"
    assert request.headers == [("hOsT", "a.example"), ("X-Empty", ""), ("X-Blank", ""),
                               ("X-Inner", "a \t b"), ("X-Latin", "caf\xe9"),
                               ("X_Odd.Name~!", "1")]


def test_target_may_hold_obs_text_and_any_method_token():
    request, _, _ = parse_one(b"M-SEARCH /caf\xc3\xa9?a=%20 HTTP/1.0\r\n\r\n")
    assert request.method == "M-SEARCH"
    assert request.target == "/caf\xc3\xa9?a=%20"   # latin-1: PEP 3333's native string
    assert request.version == "HTTP/1.0" and request.version_info == (1, 0)


@pytest.mark.parametrize("version, connection, keep_alive", [
    ("1.1", [], True),
    ("1.1", ["close"], False),
    ("1.1", ["Close"], False),
    ("1.1", ["keep-alive"], True),
    ("1.1", ["keep-alive, close"], False),
    ("1.1", ["keep-alive", "CLOSE"], False),
    ("1.1", ["foo,  close ,bar"], False),
    ("1.1", ["closed"], True),
    ("1.0", [], False),
    ("1.0", ["keep-alive"], True),
    ("1.0", ["Keep-Alive"], True),
    ("1.0", ["te, keep-alive"], True),
    ("1.0", ["keep-alive, close"], False),
    ("1.0", ["upgrade"], False),
])
def test_keep_alive(version, connection, keep_alive):
    lines = "".join(f"Connection: {value}\r\n" for value in connection)
    request, _, _ = parse_one(f"GET / HTTP/{version}\r\nHost: h\r\n{lines}\r\n".encode())
    assert request.keep_alive is keep_alive


@pytest.mark.parametrize("version, expect, expected", [
    ("1.1", "100-continue", True),
    ("1.1", "100-Continue", True),
    ("1.1", "200-ok", False),
    ("1.0", "100-continue", False),
])
def test_expect_continue(version, expect, expected):
    request, _, _ = parse_one(
        f"PUT /f HTTP/{version}\r\nHost: h\r\nExpect: {expect}\r\nContent-Length: 2\r\n\r\nab"
        .encode())
    assert request.expect_continue is expected
    assert request.content_length == 2


@pytest.mark.parametrize("lines, upgrade", [
    (["Connection: Upgrade", "Upgrade: websocket"], True),
    (["Connection: keep-alive, upgrade", "Upgrade: h2c"], True),
    (["Upgrade: websocket", "Connection: UPGRADE"], True),
    (["Connection: upgrade"], False),
    (["Upgrade: websocket"], False),
    (["Connection: close, upgrade", "Upgrade: websocket"], True),
])
def test_upgrade(lines, upgrade):
    head = "GET /chat HTTP/1.1\r\nHost: h\r\n" + "".join(f"{line}\r\n" for line in lines)
    request, _, _ = parse_one((head + "\r\n").encode())
    assert request.upgrade is upgrade


def test_take_buffer_after_an_upgrade():
    parser = RequestParser()
    parser.feed(b"GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                b"\r\n\x81\x85raw frame")
    request = parser.next_request()
    assert request.upgrade
    assert parser.buffered == 11
    parser.feed(b" and more")
    assert parser.take_buffer() == b"\x81\x85raw frame and more"
    assert parser.buffered == 0 and not parser.body_complete
    for call in (parser.next_request, parser.read_body, parser.take_buffer,
                 lambda: parser.feed(b"x")):
        with pytest.raises(RuntimeError, match="take_buffer"):
            call()


def test_leading_empty_lines_are_skipped_up_to_four():
    events = drive([b"\r\n" * 4 + CURL + b"\r\n\r\n" + CURL])
    assert [event[0] for event in events] == ["request", "end", "request", "end", "waiting"]
    assert error_of(b"\r\n" * 5 + CURL) == (
        400, "more than 4 empty lines before a request line")
    assert error_of(b"\n" + CURL)[0] == 400
    assert drive([b"\r\n\r"]) == [("waiting", 1)]


def test_pipelined_requests_in_one_feed():
    stream = (CURL
              + b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
              + b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nabc\r\n0\r\n\r\n"
              + b"GET /last HTTP/1.0\r\n\r\nGET /partial HTTP/1.1\r\nHo")
    events = drive([stream])
    assert [(e[0], e[1][1] if e[0] == "request" else e[1:]) for e in events] == [
        ("request", "/index.html?q=1"), ("end", ()),
        ("request", "/form"), ("data", (b"hello world",)), ("end", ()),
        ("request", "/up"), ("data", (b"abc",)), ("end", ()),
        ("request", "/last"), ("end", ()),
        ("waiting", (len(b"GET /partial HTTP/1.1\r\nHo"),)),
    ]


def test_next_request_refuses_while_a_body_is_unread():
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab")
    assert parser.next_request().content_length == 4
    assert not parser.body_complete
    with pytest.raises(RuntimeError, match="not read to its end"):
        parser.next_request()
    assert parser.read_body() == b"ab"
    assert parser.read_body() is None
    parser.feed(b"cd" + CURL)
    assert parser.read_body() == b"cd"
    assert parser.body_complete   # all of it read, before the b"" that says so
    assert parser.next_request().target == "/index.html?q=1"


# -- bodies ------------------------------------------------------------------------------

def test_read_body_with_sizes():
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456")
    parser.next_request()
    assert parser.read_body(3) == b"012"
    assert parser.read_body(100) == b"3456"
    assert parser.read_body(1) is None
    parser.feed(b"789GET")
    assert parser.read_body(-5) == b"789"
    assert parser.read_body() == b"" and parser.read_body(2) == b""
    assert parser.buffered == 3
    with pytest.raises(ValueError, match="size must not be 0"):
        parser.read_body(0)


def test_request_without_body_reads_empty_at_once():
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
    assert parser.next_request().content_length == 0
    assert parser.body_complete
    assert parser.read_body() == b""
    assert RequestParser().read_body() == b""   # no request yet: nothing to read


def test_large_body_pieces():
    body = bytes(range(256)) * 64   # 16 KiB: cut through a memoryview
    parser = RequestParser()
    parser.feed(b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 16384\r\n\r\n" + body + b"NEXT")
    parser.next_request()
    assert parser.read_body(5000) == body[:5000]
    assert parser.read_body(5000) == body[5000:10000]
    assert parser.read_body() == body[10000:]
    assert parser.read_body() == b"" and parser.buffered == 4


def test_chunked_body_with_extensions_and_trailers():
    request, body, parser = parse_one(
        b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
        b"5;name=value;flag\r\nhello\r\n"
        b"00006 ; q=\"quoted; \\\" string\"\t\r\n world\r\n"
        b"A\r\n0123456789\r\n"
        b"0;last\r\nExpires: never\r\nX-Checksum:  abc \r\n\r\n"
        b"GET")
    assert request.chunked and request.content_length is None
    assert body == b"hello world0123456789"
    assert parser.buffered == 3


def test_chunked_read_body_sizes_and_waiting():
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r")
    parser.next_request()
    assert parser.read_body(3) == b"abc"
    assert parser.read_body(3) == b"d"
    assert parser.read_body() is None
    parser.feed(b"\n3\r\nef")
    assert parser.read_body() == b"ef"
    parser.feed(b"g\r\n0\r\n")
    assert parser.read_body() == b"g"
    assert not parser.body_complete   # the trailer section has not ended
    assert parser.read_body() is None
    parser.feed(b"\r\n")
    assert parser.read_body() == b""
    assert parser.body_complete


def test_chunked_body_completes_eagerly():
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"2\r\nab\r\n0\r\n\r\n")
    parser.next_request()
    assert parser.read_body() == b"ab"
    assert parser.body_complete and parser.buffered == 0
    assert parser.read_body() == b""


def test_data_before_a_body_error_is_returned_first():
    parser = RequestParser(max_body_size=5)
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")
    parser.next_request()
    assert parser.read_body() == b"abc"
    with pytest.raises(ProtocolError) as caught:
        parser.read_body()
    assert caught.value.status == 413
    assert str(caught.value) == "chunked body larger than the limit of 5 bytes"


# -- the strict rules --------------------------------------------------------------------

H = b"Host: h\r\n"
POST = b"POST / HTTP/1.1\r\n" + H
CHUNKED = POST + b"Transfer-Encoding: chunked\r\n\r\n"

STRICT = [
    # framing
    ("te-and-cl", POST + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
     "Content-Length and Transfer-Encoding both given"),
    ("cl-and-te", POST + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
     "Content-Length and Transfer-Encoding both given"),
    ("te-gzip", POST + b"Transfer-Encoding: gzip\r\n\r\n", 501,
     "unsupported transfer coding 'gzip'"),
    ("te-gzip-chunked", POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501,
     "unsupported transfer coding 'gzip'"),
    ("te-two-headers", POST + b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
     501, "unsupported transfer coding 'gzip'"),
    ("te-identity", POST + b"Transfer-Encoding: identity\r\n\r\n", 501,
     "unsupported transfer coding 'identity'"),
    ("te-chunked-not-last", POST + b"Transfer-Encoding: chunked, gzip\r\n\r\n", 400,
     "chunked is not the last transfer coding"),
    ("te-chunked-twice", POST + b"Transfer-Encoding: chunked, chunked\r\n\r\n", 400,
     "chunked given more than once"),
    ("te-chunked-twice-headers",
     POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
     "chunked given more than once"),
    ("te-chunked-params", POST + b"Transfer-Encoding: chunked;a=1\r\n\r\n", 400,
     "the chunked transfer coding takes no parameters"),
    ("te-empty", POST + b"Transfer-Encoding: ,\r\n\r\n", 400, "empty Transfer-Encoding"),
    ("te-invalid", POST + b"Transfer-Encoding: a b, chunked\r\n\r\n", 400,
     "invalid transfer coding 'a b'"),
    ("te-http10", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
     "Transfer-Encoding in an HTTP/1.0 request"),
    ("cl-sign", POST + b"Content-Length: +5\r\n\r\n", 400,
     "Content-Length is not a plain decimal number: '+5'"),
    ("cl-negative", POST + b"Content-Length: -1\r\n\r\n", 400, "not a plain decimal number"),
    ("cl-hex", POST + b"Content-Length: 0x5\r\n\r\n", 400, "not a plain decimal number"),
    ("cl-list", POST + b"Content-Length: 5, 5\r\n\r\n", 400, "not a plain decimal number"),
    ("cl-space", POST + b"Content-Length: 1 0\r\n\r\n", 400, "not a plain decimal number"),
    ("cl-empty", POST + b"Content-Length:\r\n\r\n", 400, "not a plain decimal number: ''"),
    ("cl-superscript", POST + b"Content-Length: \xb2\r\n\r\n", 400,
     "not a plain decimal number"),
    ("cl-differ", POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
     "several Content-Length values that differ: '5' and '6'"),
    ("cl-differ-zeros", POST + b"Content-Length: 5\r\ncontent-length: 05\r\n\r\n", 400,
     "several Content-Length values that differ"),
    ("cl-huge", POST + b"Content-Length: 1000000000000000000\r\n\r\n", 413,
     "Content-Length '1000000000000000000' too large"),
    # chunks
    ("chunk-sign", CHUNKED + b"+5\r\nhello\r\n0\r\n\r\n", 400, "chunk size is not hex digits"),
    ("chunk-negative", CHUNKED + b"-5\r\nhello\r\n0\r\n\r\n", 400,
     "chunk size is not hex digits"),
    ("chunk-0x", CHUNKED + b"0x5\r\nhello\r\n0\r\n\r\n", 400,
     "chunk size is not plain hex digits: b'0x5'"),
    ("chunk-leading-space", CHUNKED + b" 5\r\nhello\r\n0\r\n\r\n", 400,
     "chunk size is not hex digits"),
    ("chunk-trailing-space", CHUNKED + b"5 \r\nhello\r\n0\r\n\r\n", 400,
     "chunk size is not plain hex digits"),
    ("chunk-empty", CHUNKED + b"\r\nhello\r\n0\r\n\r\n", 400, "chunk size is not hex digits"),
    ("chunk-17-digits", CHUNKED + b"00000000000000005\r\nhello\r\n0\r\n\r\n", 400,
     "chunk size longer than 16 hex digits"),
    ("chunk-ext-ctl", CHUNKED + b"5;a=\x01\r\nhello\r\n0\r\n\r\n", 400,
     "control character in a chunk extension"),
    ("chunk-ext-bare-cr", CHUNKED + b"5;a\rb\r\nhello\r\n0\r\n\r\n", 400,
     "control character in a chunk extension"),
    ("chunk-bare-lf", CHUNKED + b"5\nhello\r\n0\r\n\r\n", 400, "bare LF after a chunk size"),
    ("chunk-no-crlf", CHUNKED + b"5\r\nhelloX\r\n0\r\n\r\n", 400,
     "chunk data not followed by CRLF"),
    ("chunk-cr-x", CHUNKED + b"5\r\nhello\rX0\r\n\r\n", 400, "chunk data not followed by CRLF"),
    ("chunk-lf-only", CHUNKED + b"5\r\nhello\n0\r\n\r\n", 400,
     "chunk data not followed by CRLF"),
    ("chunk-too-long", CHUNKED + b"5\r\nhelloworld\r\n0\r\n\r\n", 400,
     "chunk data not followed by CRLF"),
    ("chunk-huge", CHUNKED + b"ffffffffffffffff\r\n", 413,
     "chunk size 18446744073709551615 too large"),
    ("trailer-not-header", CHUNKED + b"0\r\nnot a header\r\n\r\n", 400,
     "trailer line without a colon"),
    ("trailer-fold", CHUNKED + b"0\r\nA: b\r\n c\r\n\r\n", 400,
     "obsolete line folding (a trailer line starting with whitespace)"),
    ("trailer-nul", CHUNKED + b"0\r\nA: b\x00c\r\n\r\n", 400, "NUL in the value of trailer 'A'"),
    ("trailer-space-colon", CHUNKED + b"0\r\nA : b\r\n\r\n", 400,
     "whitespace between a trailer name and its colon"),
    ("trailer-bare-lf", CHUNKED + b"0\r\nA: b\n\r\n", 400, "bare LF in the trailer section"),
    # header lines
    ("space-before-colon", b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400,
     "whitespace between a header name and its colon: 'Host '"),
    ("tab-before-colon", b"GET / HTTP/1.1\r\nHost: h\r\nX\t: 1\r\n\r\n", 400,
     "whitespace between a header name and its colon"),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400,
     "obsolete line folding (a header line starting with whitespace): ' b'"),
    ("obs-fold-tab", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400,
     "obsolete line folding"),
    ("first-line-indented", b"GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, "obsolete line folding"),
    ("value-nul", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", 400,
     "NUL in the value of header 'X'"),
    ("value-bare-cr", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400,
     "bare CR in the value of header 'X'"),
    ("value-trailing-cr", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\r\n\r\n", 400,
     "bare CR in the value of header 'X'"),
    ("value-bare-lf", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n", 400,
     "bare LF in the request head: lines must end in CRLF"),
    ("value-ctl", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n", 400,
     "control character '\\x01' in the value of header 'X'"),
    ("value-esc", b"GET / HTTP/1.1\r\nHost: h\r\nX: \x1b[31m\r\n\r\n", 400,
     "control character '\\x1b'"),
    ("value-del", b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 400,
     "control character '\\x7f'"),
    ("name-space", b"GET / HTTP/1.1\r\nHost: h\r\nX Y: 1\r\n\r\n", 400,
     "invalid header name 'X Y'"),
    ("name-paren", b"GET / HTTP/1.1\r\nHost: h\r\nX(Y): 1\r\n\r\n", 400, "invalid header name"),
    ("name-latin1", b"GET / HTTP/1.1\r\nHost: h\r\nX\xe9: 1\r\n\r\n", 400,
     "invalid header name"),
    ("name-empty", b"GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n", 400, "empty header name"),
    ("no-colon", b"GET / HTTP/1.1\r\nHost: h\r\nJustText\r\n\r\n", 400,
     "header line without a colon: 'JustText'"),
    ("header-bare-lf", b"GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n", 400,
     "bare LF in the request head"),
    ("all-bare-lf", b"GET / HTTP/1.1\nHost: h\n\n", 400, "bare LF in the request head"),
    # request lines
    ("method-invalid", b"G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid method 'G@T'"),
    ("method-latin1", b"G\xc9T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid method"),
    ("method-empty", b" / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid method ''"),
    ("double-space", b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400,
     "request line is not 'method SP request-target SP HTTP-version'"),
    ("trailing-space", b"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "request line is not"),
    ("space-in-target", b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line is not"),
    ("two-parts", b"GET /\r\nHost: h\r\n\r\n", 400, "request line is not"),
    ("tab-separator", b"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line is not"),
    ("tab-in-target", b"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400,
     "request-target contains whitespace or control characters: '/a\\tb'"),
    ("ctl-in-target", b"GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400,
     "request-target contains whitespace or control characters"),
    ("del-in-target", b"GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400,
     "request-target contains whitespace or control characters"),
    ("cr-in-target", b"GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n", 400,
     "request-target contains whitespace or control characters"),
    ("request-line-bare-lf", b"GET / HTTP/1.1\nHost: h\r\n\r\n", 400,
     "bare LF in the request head"),
    ("version-lowercase", b"GET / http/1.1\r\nHost: h\r\n\r\n", 400,
     "malformed HTTP version 'http/1.1'"),
    ("version-three-digits", b"GET / HTTP/1.11\r\nHost: h\r\n\r\n", 400,
     "malformed HTTP version"),
    ("version-no-minor", b"GET / HTTP/1\r\nHost: h\r\n\r\n", 400, "malformed HTTP version"),
    ("version-2", b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "unsupported HTTP version HTTP/2.0"),
    ("version-0.9", b"GET / HTTP/0.9\r\n\r\n", 505, "unsupported HTTP version HTTP/0.9"),
    ("version-1.2", b"GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505, "unsupported HTTP version"),
    ("no-host", b"GET / HTTP/1.1\r\nX: 1\r\n\r\n", 400, "no Host header in an HTTP/1.1 request"),
    ("two-hosts", b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400, "several Host headers"),
    ("two-hosts-http10", b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400,
     "several Host headers"),
    ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "request line"),
]


@pytest.mark.parametrize("data, status, message", [case[1:] for case in STRICT],
                         ids=[case[0] for case in STRICT])
def test_strict_rules(data, status, message):
    got_status, got_message = error_of(data)
    assert got_status == status
    assert message in got_message


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc",
    b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: " + b"0" * 5000 + b"3\r\n\r\nabc",
    CHUNKED + b"0000000000000003\r\nabc\r\n0\r\n\r\n",
    CHUNKED + b"3 \t;ext\r\nabc\r\n0\r\n\r\n",
    POST + b"Transfer-Encoding: , chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    POST + b"Transfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
])
def test_what_the_rules_allow(data):
    request, body, _ = parse_one(data)
    assert body == b"abc"
    assert request.content_length == (None if request.chunked else 3)


def test_http10_without_host_is_fine():
    request, _, _ = parse_one(b"GET / HTTP/1.0\r\n\r\n")
    assert request.headers == [] and not request.keep_alive


def test_after_an_error_nothing_more_is_parsed():
    data = b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n" + CURL
    parser = RequestParser()
    parser.feed(data)
    with pytest.raises(ProtocolError) as caught:
        parser.next_request()
    error = caught.value
    assert (error.status, error.reason) == (400, "Bad Request")
    assert parser.buffered == len(data)
    assert not parser.body_complete
    for call in (parser.next_request, parser.read_body, parser.take_buffer,
                 lambda: parser.feed(CURL)):
        with pytest.raises(ProtocolError) as again:
            call()
        assert again.value is error
    assert parser.buffered == len(data)   # feed() refused too


def test_an_error_mid_body_is_final():
    parser = RequestParser()
    parser.feed(CHUNKED + b"2\r\nab\r\nzz\r\n" + CURL)
    parser.next_request()
    assert parser.read_body() == b"ab"
    with pytest.raises(ProtocolError, match="chunk size is not hex digits: b'zz'"):
        parser.read_body()
    with pytest.raises(ProtocolError, match="not hex digits"):
        parser.next_request()


# -- limits ------------------------------------------------------------------------------

def test_request_line_limit_counts_the_crlf():
    line = b"GET /" + b"a" * 21 + b" HTTP/1.1\r\n"   # 37 bytes with its CRLF
    assert parse_one(line + H + b"\r\n", max_request_line=37)[0].target == "/" + "a" * 21
    assert error_of(line + H + b"\r\n", max_request_line=36) == (
        414, "request line longer than 36 bytes")


def test_request_line_limit_before_the_line_ends():
    parser = RequestParser(max_request_line=100)
    parser.feed(b"GET /" + b"a" * 94)
    assert parser.next_request() is None   # 99 bytes: a CRLF could still fit? no, but 100 is
    parser.feed(b"a")
    with pytest.raises(ProtocolError) as caught:
        parser.next_request()
    assert caught.value.status == 414
    assert caught.value.reason == "URI Too Long"


def test_header_size_limit():
    head = b"GET / HTTP/1.1\r\n"
    section = H + b"X: " + b"v" * 20 + b"\r\n\r\n"   # 36 bytes
    assert parse_one(head + section, max_header_size=36)[0].headers[1] == ("X", "v" * 20)
    assert error_of(head + section, max_header_size=35) == (
        431, "header section longer than 35 bytes")
    parser = RequestParser(max_header_size=1000)
    parser.feed(head + H + b"X: " + b"v" * 900)
    assert parser.next_request() is None
    parser.feed(b"v" * 100)   # no end of the head within 1000 bytes: no need to wait for it
    with pytest.raises(ProtocolError) as caught:
        parser.next_request()
    assert (caught.value.status, caught.value.reason) == (431, "Request Header Fields Too Large")


def test_header_count_limit():
    lines = H + b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(9))   # 10 lines
    assert len(parse_one(b"GET / HTTP/1.1\r\n" + lines + b"\r\n",
                         max_header_count=10)[0].headers) == 10
    assert error_of(b"GET / HTTP/1.1\r\n" + lines + b"\r\n", max_header_count=9) == (
        431, "more than 9 header lines")
    # Decided as the tenth line ends, before the head does.
    assert drive([b"GET / HTTP/1.1\r\n" + lines], max_header_count=9)[-1][:2] == ("error", 431)


def test_trailer_limits():
    trailers = b"".join(b"T%d: %s\r\n" % (i, b"x" * 20) for i in range(3)) + b"\r\n"
    assert len(trailers) == 80   # the head's section (Host, Transfer-Encoding) is 39
    data = CHUNKED + b"1\r\na\r\n0\r\n" + trailers
    assert parse_one(data, max_header_size=80, max_header_count=3)[1] == b"a"
    assert error_of(data, max_header_size=80, max_header_count=2) == (
        431, "more than 2 trailer lines")
    assert error_of(data, max_header_size=79, max_header_count=3) == (
        431, "trailer section longer than 79 bytes")
    # Decided before the section ends.
    events = drive([data[:-3]], max_header_size=77)
    assert events[-1] == ("error", 431, "trailer section longer than 77 bytes")


def test_trailer_lines_do_not_count_against_the_next_head():
    data = (CHUNKED + b"0\r\nT1: 1\r\nT2: 2\r\n\r\n"
            + b"GET / HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n")
    for chunks in ([data], [data[i:i + 1] for i in range(len(data))]):
        events = drive(chunks, max_header_count=2)
        assert [event[0] for event in events] == ["request", "end", "request", "end", "waiting"]


def test_chunk_size_line_limit():
    data = CHUNKED + b"1;" + b"e" * 60 + b"\r\na\r\n0\r\n\r\n"
    assert parse_one(data, max_request_line=64)[1] == b"a"
    assert error_of(data, max_request_line=63) == (400, "chunk-size line longer than 63 bytes")


def test_body_size_limit():
    cl = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"
    assert parse_one(cl, max_body_size=10)[1] == b"0123456789"
    assert error_of(cl, max_body_size=9) == (
        413, "Content-Length 10 larger than the limit of 9 bytes")
    chunked = CHUNKED + b"5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"
    assert parse_one(chunked, max_body_size=10)[1] == b"0123456789"
    events = drive([chunked], max_body_size=9)
    assert events[-2:] == [("data", b"01234"),
                           ("error", 413, "chunked body larger than the limit of 9 bytes")]


@pytest.mark.parametrize("name, value, error", [
    ("max_request_line", 0, ValueError),
    ("max_header_size", -1, ValueError),
    ("max_header_count", 0, ValueError),
    ("max_body_size", 0, ValueError),
    ("max_request_line", 10.0, TypeError),
    ("max_header_size", "100", TypeError),
    ("max_header_count", True, TypeError),
    ("max_header_count", None, TypeError),
    ("max_body_size", 1.5, TypeError),
])
def test_limits_are_checked(name, value, error):
    with pytest.raises(error, match=name):
        RequestParser(**{name: value})


def test_huge_limits_mean_no_limit():
    parser = RequestParser(max_request_line=10**30, max_header_size=10**30,
                           max_header_count=10**30, max_body_size=10**30)
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n")
    assert parser.next_request().content_length == 999999999999999999


def test_feeding_one_byte_at_a_time_is_linear():
    # A big head (about 48 KiB in 800 lines, one of them 8 KiB long) fed one byte
    # at a time: linear work is well under a second even interpreted; a parser
    # that looked at every line again for each byte would take minutes.
    head = (b"GET / HTTP/1.1\r\n" + H + b"X-Long: " + b"y" * 8000 + b"\r\n"
            + b"".join(b"X-Header-%04d: %s\r\n" % (i, b"v" * 30) for i in range(800)) + b"\r\n")
    parser = RequestParser(max_header_count=1000)
    start = time.perf_counter()
    for i in range(len(head) - 1):
        parser.feed(head[i:i + 1])
        assert parser.next_request() is None
    parser.feed(head[-1:])
    request = parser.next_request()
    elapsed = time.perf_counter() - start
    assert len(request.headers) == 802
    assert elapsed < 2, elapsed


# -- the same bytes, however split -------------------------------------------------------

VALID = [
    CURL,
    b"GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"\r\n\r\n" + CURL + b"\r\n" + CURL,
    b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"
    b"hello world" + CURL,
    CHUNKED + b"5;name=value\r\nhello\r\n06\r\n world\r\n0\r\nT: v\r\nU:\r\n\r\n" + CURL,
    b"GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    + b"GET /caf\xe9 HTTP/1.1\r\nHost: h\r\nX: \t a\xff b \t\r\n\r\n",
    b"GET /partial HTTP/1.1\r\nHost: h\r\nX-Incomplete: 1\r\n",
]
LIMITED = [   # (data, limits): the limits decided before the data ends
    (b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n" + H + b"\r\n", {"max_request_line": 50}),
    (b"GET / HTTP/1.1\r\n" + H + b"X: " + b"v" * 100 + b"\r\n\r\n", {"max_header_size": 60}),
    (b"GET / HTTP/1.1\r\n" + H * 2 + b"X: \x00\r\n\r\n", {"max_header_count": 1}),
    (b"GET / HTTP/1.1\r\n" + b"X: \x00\r\n" + H * 2 + b"\r\n", {"max_header_count": 1}),
    (b"GET / HTTP/1.1\nHost: h\r\n\r\n", {"max_request_line": 10}),
    (b"GET /a\nb HTTP/1.1\r\nHost: h\r\n\r\n", {"max_request_line": 10}),
    (b"GET / HTTP/2.0\r\n" + b"X: \x00\r\n" * 5, {"max_header_count": 1}),
    (CHUNKED + b"5\r\nhello\r\n" + b"6\r\n world\r\n" + b"0\r\n\r\n", {"max_body_size": 8}),
    (CHUNKED + b"3\r\nabc\r\n0\r\n" + b"T: 1\r\n" * 5, {"max_header_count": 2}),
]
SPLIT_CASES = ([(data, {}) for data in VALID]
               + [(case[1] + CURL, {}) for case in STRICT]
               + LIMITED)


@pytest.mark.parametrize("data, limits", SPLIT_CASES)
def test_any_split_gives_the_same_events(data, limits):
    expected = drive([data], **limits)
    assert expected[-1][0] in ("error", "waiting")
    for cut in range(1, len(data)):
        assert drive([data[:cut], data[cut:]], **limits) == expected, cut
    assert drive([data[i:i + 1] for i in range(len(data))], **limits) == expected


def test_split_cases_cover_what_they_should():
    # The representative set holds requests with bodies of both kinds, errors
    # with every status, and an incomplete head at the end.
    kinds = set()
    for data, limits in SPLIT_CASES:
        for event in drive([data], **limits):
            if event[0] == "request":
                kinds.add("chunked" if event[1][6] else "length" if event[1][5] else "none")
            elif event[0] == "error":
                kinds.add(event[1])
            elif event[0] == "waiting" and event[1]:
                kinds.add("waiting")
    assert kinds == {"chunked", "length", "none", "waiting", 400, 413, 414, 431, 501, 505}


# -- properties --------------------------------------------------------------------------

SEEDS = VALID * 3 + [case[1] for case in STRICT[::6]]   # mostly valid: mutations break enough


@st.composite
def mutated(draw):
    """One or two of the seeds, with up to three small changes."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    if draw(st.booleans()):
        data += draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(data)))
        what = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(
            [b"\r", b"\n", b"\r\n", b" ", b"\t", b":", b"\x00", b"\x7f", b"\xff", b",", b"0",
             b"9", b"f", b";", b"\r\n\r\n", b"chunked", b"Content-Length: 1\r\n",
             b"Transfer-Encoding: chunked\r\n"]) | st.binary(min_size=1, max_size=3))
        if what == "insert":
            data[where:where] = piece
        elif what == "delete":
            del data[where:where + len(piece)]
        else:
            data[where:where + len(piece)] = piece
    return bytes(data)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(mutated(), st.binary(max_size=200)),
       cuts=st.lists(st.integers(0, 300), max_size=4),
       limits=st.sampled_from([{}, {"max_request_line": 24, "max_header_size": 40,
                                    "max_header_count": 2, "max_body_size": 4}]))
def test_any_bytes_give_requests_or_a_protocol_error(data, cuts, limits):
    expected = drive([data], **limits)   # any other exception fails the test
    for event in expected:
        if event[0] == "error":
            assert event[1] in STATUSES
    bounds = sorted({min(cut, len(data)) for cut in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in zip(bounds, bounds[1:])]
    assert drive(chunks, **limits) == expected


# -- the small things --------------------------------------------------------------------

def test_protocol_error():
    error = ProtocolError(431, "more than 100 header lines")
    assert (error.status, error.reason, str(error)) == (
        431, "Request Header Fields Too Large", "more than 100 header lines")
    assert repr(error) == "ProtocolError(431, 'more than 100 header lines')"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.status, copy.reason, str(copy)) == (431, error.reason, str(error))
    assert [ProtocolError(status, "x").reason for status in sorted(STATUSES)] == [
        STATUSES[status] for status in sorted(STATUSES)]
    with pytest.raises(ValueError, match="status"):
        ProtocolError(404, "not found")
    with pytest.raises(ValueError, match="status"):
        ProtocolError(True, "not a status")
    error = ProtocolError(HTTPStatus.REQUEST_URI_TOO_LONG, "long")
    assert type(error.status) is int and error.reason == "URI Too Long"


def test_request_constructor():
    request = Request("GET", "/", "HTTP/1.0", [("A", "b")], keep_alive=False)
    assert fields(request) == ("GET", "/", "HTTP/1.0", (1, 0), [("A", "b")], None, False,
                               False, False, False)
    with pytest.raises(ValueError, match="version"):
        Request("GET", "/", "HTTP/2", [])
    with pytest.raises(AttributeError):
        request.extra = 1   # __slots__


def test_feed_takes_any_bytes_like_object():
    parser = RequestParser()
    parser.feed(memoryview(b"GET / HTTP/1.1\r\n"))
    parser.feed(bytearray(b"Host: h\r\n"))
    parser.feed(b"")
    assert parser.next_request() is None
    assert parser.buffered == 25
    parser.feed(b"\r\n")
    assert parser.next_request().headers == [("Host", "h")]
    with pytest.raises(TypeError):
        parser.feed("GET / HTTP/1.1\r\n")


# -- the WSGI environ of whatever the parser accepts -------------------------------------

@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(mutated(), st.binary(max_size=200)))
def test_the_environ_of_any_accepted_request_is_pep_3333(data):
    from gserve import _wsgi

    base = _wsgi.base_environ("localhost", 8080)
    parser = RequestParser()
    parser.feed(data)
    try:
        request = parser.next_request()
    except ProtocolError:
        return
    if request is None:
        return
    environ = _wsgi.request_environ(base, request.method, request.target, request.version,
                                   request.headers, "127.0.0.1", 54321)
    for key, value in environ.items():
        assert type(key) is str
        if not key.startswith("wsgi."):
            assert type(value) is str, (key, value)
            value.encode("latin-1")   # native strings: latin-1 only (PEP 3333)
    assert environ["REQUEST_METHOD"] == request.method
    assert environ["SERVER_PROTOCOL"] == request.version
    assert environ["PATH_INFO"] == "" or environ["PATH_INFO"].startswith("/") or \
        not request.target.startswith("/")
    assert "?" not in environ["PATH_INFO"] or "%3f" in request.target.lower()
    names = {name for name, _ in request.headers}
    for key in environ:
        if key.startswith("HTTP_"):
            assert key == key.upper() and "-" not in key
            # a name with "_" never reaches the environ: it could pass for a proxy's
            assert any(name.upper().replace("-", "_") == key[5:] and "_" not in name
                       for name in names), key
    for name, value in request.headers:
        if "_" not in name and name.lower() not in ("content-type", "content-length"):
            assert value in environ["HTTP_" + name.upper().replace("-", "_")]


# -- the fast path of a whole head against the grammar's regular expressions ------------

def _grammar():
    """The head grammar as the module's regular expressions define it (reference)."""
    import re

    import gserve._http as module

    token, value = module._TOKEN_CHARS, module._VALUE
    request_line = re.compile(rf"({token}+) ([\x21-\x7e\x80-\xff]+) (HTTP/1\.[01])")
    header_line = re.compile(rf"({token}+):[\t ]*{value}[\t ]*")
    return request_line, header_line


_ODD = " \t\r\n\x00\x01\x1f\x7f\x80\x85\xa0\xad\xff:;/?%"


def _mutated(valid):
    """Strings that are mostly ``valid``, some with one odd character put in."""
    return st.one_of(valid, st.builds(lambda text, at, odd: text[:at] + odd + text[at:], valid,
                                      st.integers(0, 12), st.sampled_from(_ODD)))


_REQUEST_LINES = _mutated(st.builds(
    lambda m, t, v: f"{m} {t} {v}", st.sampled_from(["GET", "POST", "M-SEARCH", "X!~'*"]),
    st.sampled_from(["/", "/a?b=c", "*", "/%41\x80\xff", "http://h/p"]),
    st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10"])))
_HEADER_LINES = _mutated(st.builds(
    lambda n, w1, v, w2: f"{n}:{w1}{v}{w2}",
    st.sampled_from(["X-A", "accept", "X_Y", "a!#$%&'*+-.^_`|~Z9"]),
    st.sampled_from(["", " ", "\t", " \t "]),
    st.sampled_from(["", "v", "a b", "a\tb", "\x80\xa0\xad\xff", "x:y;z", "(\"q\")"]),
    st.sampled_from(["", " ", "\t", "\t "])))


@settings(max_examples=500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_REQUEST_LINES, st.lists(_HEADER_LINES, max_size=4))
def test_whole_heads_are_read_as_the_grammar_says(request_line, header_lines):
    # Whatever the lines hold, the parser accepts a whole head exactly when the
    # grammar's expressions match every line, and then reads the same fields.
    if "\r\n" in request_line or any(line == "" or "\r\n" in line for line in header_lines):
        return   # (not one head of these lines)
    request_line_re, header_line_re = _grammar()
    head = "".join(line + "\r\n" for line in [request_line, *header_lines, "Host: h"])
    expected = None
    match = request_line_re.fullmatch(request_line)
    if match is not None:
        expected = []
        for line in [*header_lines, "Host: h"]:
            field = header_line_re.fullmatch(line)
            if field is None:
                expected = None
                break
            expected.append(field.groups())
    if expected is not None and {name.lower() for name, _ in expected[:-1]} & {
            "host", "content-length", "transfer-encoding", "connection", "expect", "upgrade"}:
        return   # (the framing rules decide that head: not this test)
    parser = RequestParser()
    parser.feed((head + "\r\n").encode("latin-1"))
    try:
        request = parser.next_request()
    except ProtocolError:
        request = None
    if expected is None:
        assert request is None
    else:
        assert request is not None
        assert (request.method, request.target, request.version) == match.groups()
        assert request.headers == expected
