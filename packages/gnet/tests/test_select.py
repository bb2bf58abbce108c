"""gnet.select (select, poll) and gnet.selectors on loopback sockets and pipes."""

import errno
import fcntl
import os
import select as stdselect
import selectors as stdselectors
import time
from unittest import mock

import pytest

import ghub
from gnet import select, selectors, socket


@pytest.fixture
def pairs():
    made = [socket.socketpair() for _ in range(3)]
    yield made
    for a, b in made:
        a.close()
        b.close()


def test_namespace():
    assert select.error is OSError
    for name in select.__imports__:
        assert getattr(select, name) is getattr(stdselect, name), name
    assert select.POLLIN == stdselect.POLLIN
    assert selectors.DefaultSelector is selectors.PollSelector
    assert issubclass(selectors.PollSelector, stdselectors.PollSelector)
    assert issubclass(selectors.SelectSelector, stdselectors.SelectSelector)
    assert selectors.EVENT_READ is stdselectors.EVENT_READ


def test_selector_classes_carry_the_stdlib_s_names():
    # Code (CPython's test_selectors among it) tells selectors apart by class name.
    assert selectors.PollSelector.__name__ == "PollSelector"
    assert selectors.SelectSelector.__name__ == "SelectSelector"
    assert selectors.DefaultSelector.__name__ == "PollSelector"


# -- select ------------------------------------------------------------------------------


def test_select_returns_every_ready_descriptor(pairs):
    (a1, b1), (a2, b2), (a3, b3) = pairs
    b1.sendall(b"1")
    b3.sendall(b"3")
    r, w, x = select.select([a1, a2, a3], [], [], 1)
    assert r == [a1, a3] and w == [] and x == []
    r, w, x = select.select([a1.fileno(), a2], [b1, b2.fileno()], [], 0)
    assert r == [a1.fileno()] and w == [b1, b2.fileno()]


def test_select_waits_and_returns_all_signalled(pairs):
    (a1, b1), (a2, b2), (a3, _b3) = pairs

    def send_both():
        b1.sendall(b"x")
        b2.sendall(b"y")

    ghub.spawn_later(0.05, send_both)
    r, _w, _x = select.select([a1, a2, a3], [], [], 5)
    assert r == [a1, a2]


def test_select_timeout(pairs):
    (a1, _b1), _, _ = pairs
    start = time.monotonic()
    assert select.select([a1], [], [], 0.05) == ([], [], [])
    assert time.monotonic() - start >= 0.04
    assert select.select([], [], [], 0) == ([], [], [])


def test_select_does_not_block_other_greenlets(pairs):
    (a1, b1), _, _ = pairs
    order = []

    def other():
        order.append("other ran")
        b1.sendall(b"!")

    ghub.spawn(other)
    r, _, _ = select.select([a1], [], [])
    order.append("select returned")
    assert r == [a1]
    assert order == ["other ran", "select returned"]


def test_select_accepts_any_sequence_and_fileno_objects(pairs):
    (a1, b1), _, _ = pairs

    class Wrapper:
        def fileno(self):
            return a1.fileno()

    wrapper = Wrapper()
    b1.sendall(b"x")
    r, _, _ = select.select((wrapper,), iter([]), set(), 1)
    assert r == [wrapper]


def test_select_timeout_checks_as_the_stdlib(pairs):
    (a1, _), _, _ = pairs
    for timeout, exc in [(2 ** 64, OverflowError), (float("inf"), OverflowError),
                         (1e300, OverflowError), (float("nan"), ValueError)]:
        with pytest.raises(exc):
            stdselect.select([], [a1], [], timeout)
        with pytest.raises(exc):
            select.select([], [a1], [], timeout)
    assert select.select([], [a1], [], 9.2e9) == ([], [a1], [])


def test_select_calls_each_fileno_once_when_ready():
    calls = []
    r, w = os.pipe()

    class Counted:
        def fileno(self):
            calls.append(1)
            return w

    try:
        counted = Counted()
        assert select.select([], [counted], [], None) == ([], [counted], [])
        assert len(calls) == 1
    finally:
        os.close(r)
        os.close(w)


def test_select_bad_arguments(pairs):
    (a1, _), _, _ = pairs
    with pytest.raises(TypeError):
        select.select([object()], [], [])
    with pytest.raises(ValueError):
        select.select([-1], [], [])
    with pytest.raises(ValueError):
        select.select([a1], [], [], -1)
    with pytest.raises(TypeError):
        select.select([a1], [], [], "1")
    with pytest.raises(TypeError):
        select.select(1, [], [])


def test_select_closed_descriptor_is_ebadf():
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(OSError) as info:
        select.select([r], [], [], 0)
    assert info.value.errno == errno.EBADF


def test_select_large_descriptor_numbers(nofile):
    if not nofile(1100):
        pytest.skip("cannot raise RLIMIT_NOFILE above FD_SETSIZE")
    a, b = socket.socketpair()
    high = fcntl.fcntl(a.fileno(), fcntl.F_DUPFD_CLOEXEC, 1050)   # above FD_SETSIZE (1024)
    try:
        ghub.spawn_later(0.02, b.sendall, b"x")
        assert select.select([high], [], [], 5)[0] == [high]
    finally:
        os.close(high)
        a.close()
        b.close()


def test_select_writable_and_pipes():
    r, w = os.pipe()
    try:
        assert select.select([r], [w], [], 0) == ([], [w], [])
        ghub.spawn_later(0.02, os.write, w, b"z")
        assert select.select([r], [], [], 5) == ([r], [], [])
    finally:
        os.close(r)
        os.close(w)


# -- poll ----------------------------------------------------------------------------------


def test_poll_register_modify_unregister(pairs):
    (a1, b1), (a2, _b2), _ = pairs
    poller = select.poll()
    poller.register(a1, select.POLLIN)
    poller.register(a2.fileno(), select.POLLIN)
    assert poller.poll(0) == []
    b1.sendall(b"x")
    assert poller.poll(1000) == [(a1.fileno(), select.POLLIN)]
    poller.modify(a1, select.POLLOUT)
    assert poller.poll(0) == [(a1.fileno(), select.POLLOUT)]
    poller.unregister(a1)
    assert poller.poll(0) == []
    with pytest.raises(KeyError):
        poller.unregister(a1)
    with pytest.raises(FileNotFoundError):
        poller.modify(a1, select.POLLIN)
    with pytest.raises(TypeError):
        poller.register(object())
    with pytest.raises(TypeError):
        poller.poll("1")


def test_poll_waits_cooperatively_with_millisecond_timeout(pairs):
    (a1, b1), _, _ = pairs
    poller = select.poll()
    poller.register(a1, select.POLLIN)
    start = time.monotonic()
    assert poller.poll(50) == []
    assert time.monotonic() - start >= 0.04
    ghub.spawn_later(0.02, b1.sendall, b"x")
    assert poller.poll() == [(a1.fileno(), select.POLLIN)]
    assert poller.poll(-1) == [(a1.fileno(), select.POLLIN)]


def test_poll_reports_hangup_and_invalid(pairs):
    (a1, b1), _, _ = pairs
    poller = select.poll()
    poller.register(a1, select.POLLIN)
    ghub.spawn_later(0.02, b1.close)
    [(fd, revents)] = poller.poll(5000)
    assert fd == a1.fileno() and revents & (select.POLLIN | select.POLLHUP)
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    poller.register(r, select.POLLIN)
    assert (r, select.POLLNVAL) in poller.poll(0)


def test_poll_objects_are_made_by_poll_only():
    poller = select.poll()
    assert type(poller).__name__ == "poll"
    with pytest.raises(TypeError, match=r"cannot create 'gnet\.select\.poll' instances"):
        type(poller)()
    with pytest.raises(TypeError, match="cannot create"):
        stdselect.poll().__class__()   # as the stdlib's


@pytest.mark.parametrize("timeout, exc", [
    (2 ** 31, OverflowError), (-(2 ** 31) - 1, OverflowError), (2 ** 64, OverflowError),
    (2 ** 31 - 0.5, OverflowError), (float("inf"), OverflowError), (float("nan"), ValueError),
    ("1", TypeError), (1j, TypeError),
])
def test_poll_timeout_checks_as_the_stdlib(pairs, timeout, exc):
    (a1, _), _, _ = pairs
    for poller in (stdselect.poll(), select.poll()):
        poller.register(a1, select.POLLOUT)
        with pytest.raises(exc):
            poller.poll(timeout)


def test_poll_extreme_valid_timeouts(pairs):
    (a1, _), _, _ = pairs
    poller = select.poll()
    poller.register(a1, select.POLLOUT)
    for timeout in (2 ** 31 - 1, -(2 ** 31), -1, -0.5, 0.5, True):
        assert poller.poll(timeout) == [(a1.fileno(), select.POLLOUT)]


@pytest.mark.parametrize("mask, exc", [
    (-1, ValueError), (2 ** 64, OverflowError), (0x10000, OverflowError), ("x", TypeError),
    (1.0, TypeError),
])
def test_poll_mask_checks_as_the_stdlib(pairs, mask, exc):
    (a1, _), _, _ = pairs
    for poller in (stdselect.poll(), select.poll()):
        with pytest.raises(exc):
            poller.register(a1, mask)
        poller.register(a1, select.POLLIN)
        with pytest.raises(exc):
            poller.modify(a1, mask)


def test_concurrent_poll_is_an_error(pairs):
    (a1, b1), _, _ = pairs
    poller = select.poll()
    poller.register(a1, select.POLLIN)
    first = ghub.spawn(poller.poll)
    ghub.sleep(0)
    with pytest.raises(RuntimeError, match="concurrent poll"):
        poller.poll()
    b1.sendall(b"x")
    assert first.get(timeout=5) == [(a1.fileno(), select.POLLIN)]


# -- selectors -------------------------------------------------------------------------------


def test_selector_register_select_unregister(pairs):
    (a1, b1), (a2, b2), _ = pairs
    with selectors.DefaultSelector() as sel:
        sel.register(a1, selectors.EVENT_READ, "one")
        sel.register(a2, selectors.EVENT_READ | selectors.EVENT_WRITE, "two")
        ready = sel.select(0)
        assert [(key.data, events) for key, events in ready] == [("two", selectors.EVENT_WRITE)]
        sel.modify(a2, selectors.EVENT_READ, "two")
        assert sel.select(0.02) == []
        ghub.spawn_later(0.02, b1.sendall, b"x")
        ready = sel.select()
        assert [(key.fileobj, key.data, events) for key, events in ready] == [
            (a1, "one", selectors.EVENT_READ)]
        sel.unregister(a1)
        b2.sendall(b"y")
        assert [key.data for key, _ in sel.select(1)] == ["two"]
        assert sel.get_key(a2).data == "two"
        with pytest.raises(KeyError):
            sel.get_key(a1)


@pytest.mark.parametrize("selector_class", [selectors.PollSelector, selectors.SelectSelector])
def test_each_selector_class_waits_cooperatively(pairs, selector_class):
    (a1, b1), (a2, _b2), _ = pairs
    order = []

    def writer():
        order.append("writer ran")
        b1.sendall(b"x")

    with selector_class() as sel:
        sel.register(a1, selectors.EVENT_READ, "one")
        sel.register(a2, selectors.EVENT_READ, "two")
        assert sel.select(0) == []
        ghub.spawn(writer)
        ready = sel.select(5)
        order.append("select returned")
        assert [(key.data, events) for key, events in ready] == [("one", selectors.EVENT_READ)]
    assert order == ["writer ran", "select returned"]


def test_poll_selector_unregisters_when_modify_fails(pairs):
    # As CPython's test_selectors.test_modify_unregister (bpo-30014), through the class name.
    (a1, _), _, _ = pairs
    with mock.patch("gnet.selectors.PollSelector._selector_cls") as factory:
        factory.return_value.modify = mock.Mock(side_effect=ZeroDivisionError)
        with selectors.PollSelector() as sel:
            sel.register(a1, selectors.EVENT_READ)
            assert len(sel.get_map()) == 1
            with pytest.raises(ZeroDivisionError):
                sel.modify(a1, selectors.EVENT_WRITE)
            assert len(sel.get_map()) == 0


def test_selector_does_not_block_other_greenlets(pairs):
    (a1, b1), _, _ = pairs
    ticks = []

    def ticker():
        for _ in range(3):
            ticks.append(1)
            ghub.sleep(0.01)
        b1.sendall(b"done")

    ghub.spawn(ticker)
    with selectors.DefaultSelector() as sel:
        sel.register(a1, selectors.EVENT_READ)
        assert len(sel.select(5)) == 1
    assert len(ticks) == 3


def test_accepting_server_on_a_selector():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    clients = []
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(listener, selectors.EVENT_READ)
            for _ in range(3):
                clients.append(ghub.spawn(socket.create_connection, listener.getsockname()))
            accepted = []
            while len(accepted) < 3:
                for key, _events in sel.select(5):
                    while True:
                        try:
                            conn, _ = key.fileobj.accept()
                        except BlockingIOError:
                            break
                        accepted.append(conn)
            ghub.joinall(clients, timeout=5)
            assert len(accepted) == 3
            for conn in accepted:
                conn.close()
    finally:
        for c in clients:
            if c.successful():
                c.value.close()
        listener.close()


# -- fairness ----------------------------------------------------------------------------------
#
# A loop around select()/poll() whose descriptors are always ready must not starve the
# other greenlets: each call yields once through the loop (I/O included) before it
# returns. Every busy loop below is bounded; without the yield it would spin to its bound.

BOUND = 10000


def _reader_and_writer(a, b):
    """A reader blocked on ``a`` and a writer that feeds it after a yield: [data read]."""
    got = []

    def reader():
        got.append(a.recv(10))

    def writer():
        ghub.sleep(0)
        b.sendall(b"fed")

    ghub.spawn(reader)
    ghub.spawn(writer)
    return got


def test_busy_select_loop_lets_others_run_and_do_io(pairs):
    (a1, b1), (a2, b2), _ = pairs
    got = _reader_and_writer(a2, b2)
    spins = 0
    while not got and spins < BOUND:
        r, w, x = select.select([], [b1], [], None)   # always writable: never waits
        assert w == [b1]
        spins += 1
    assert got == [b"fed"]
    assert spins < 100


def test_select_polling_with_zero_timeout_lets_others_run(pairs):
    (a1, _b1), (a2, b2), _ = pairs
    got = _reader_and_writer(a2, b2)
    spins = 0
    while not got and spins < BOUND:
        assert select.select([a1], [], [], 0) == ([], [], [])
        spins += 1
    assert got == [b"fed"] and spins < 100


def test_busy_poll_loop_lets_others_run(pairs):
    (_a1, b1), (a2, b2), _ = pairs
    got = _reader_and_writer(a2, b2)
    poller = select.poll()
    poller.register(b1, select.POLLOUT)
    spins = 0
    while not got and spins < BOUND:
        assert poller.poll(None) == [(b1.fileno(), select.POLLOUT)]
        spins += 1
    assert got == [b"fed"] and spins < 100
    spins = 0
    got = _reader_and_writer(a2, b2)
    empty = select.poll()
    while not got and spins < BOUND:
        assert empty.poll(0) == []
        spins += 1
    assert got == [b"fed"] and spins < 100


@pytest.mark.parametrize("selector_class", [selectors.PollSelector, selectors.SelectSelector])
def test_busy_selector_loop_lets_others_run(pairs, selector_class):
    # asyncore-style: a dispatcher that is always writable.
    (_a1, b1), (a2, b2), _ = pairs
    got = _reader_and_writer(a2, b2)
    spins = 0
    with selector_class() as sel:
        sel.register(b1, selectors.EVENT_WRITE)
        while not got and spins < BOUND:
            assert len(sel.select(0)) == 1
            spins += 1
    assert got == [b"fed"] and spins < 100


def test_select_from_a_loop_callback_does_not_try_to_yield(pairs):
    (_a1, b1), _, _ = pairs
    results = []
    poller = select.poll()
    poller.register(b1, select.POLLOUT)

    def in_the_hub():
        results.append(select.select([], [b1], [], 0))
        results.append(poller.poll(0))

    ghub.get_hub().loop.run_callback(in_the_hub)
    ghub.sleep(0)
    assert results == [([], [b1], []), [(b1.fileno(), select.POLLOUT)]]
