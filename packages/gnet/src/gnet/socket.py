"""Cooperative sockets: the stdlib ``socket`` module whose blocking calls wait through the hub.

How it works
------------

:class:`socket` subclasses the stdlib's ``socket.socket`` (so ``isinstance``
checks, ``makefile`` and the stdlib's helpers keep working). Its file
descriptor is always in non-blocking mode; the timeout the user sets is
emulated. Every blocking method first tries the system call (the fast path:
no wait when data or buffer space is there); on ``EAGAIN`` it waits for the
descriptor through the hub and tries again. A call whose flags have
``MSG_DONTWAIT`` never waits: it raises ``BlockingIOError`` as on a
non-blocking socket, whatever the timeout.

Each socket has at most one read event and one write event, created on the
first wait and re-armed for each later one, so a wait allocates no event
(on an edge-triggered back-end, a wait with a timeout arms a timer). A
reader and a writer may wait at the same time (full duplex) and never
disturb each other. Two greenlets may not wait to *read* (or both to
*write*) the same socket at once: the second one gets ``RuntimeError``
("another greenlet is already waiting to read ...") rather than silently
stealing the first one's wake-ups.

``close()`` wakes every greenlet blocked on the socket with
``OSError(EBADF, "File descriptor was closed in another greenlet")`` — the
stdlib's error number for an operation on a closed socket. ``shutdown()``
wakes the blocked readers (``SHUT_RD``), writers (``SHUT_WR``) or both, which
then retry and get what the system says after a shutdown (a reader gets
``b""``, a writer ``BrokenPipeError``).

Timeouts raise ``socket.timeout`` (``TimeoutError``) with the message
"timed out"; the global default timeout (``setdefaulttimeout``) applies to
new sockets as in the stdlib. ``sendall`` sends from memoryview slices (no
copy of the buffer) and, like the stdlib, its timeout bounds the whole call.

Names resolve cooperatively (see :mod:`gnet.dns`): numeric addresses never
reach DNS, ``/etc/hosts`` answers first, and failures raise
``socket.gaierror`` with the stdlib's ``EAI_*`` numbers. Everything else in
this module (constants, exceptions, functions that do no I/O) is the
stdlib's own object.
"""

from __future__ import annotations

import builtins as _builtins
import os as _os
import socket as _stdsocket
from errno import EAGAIN, EALREADY, EINPROGRESS, EINTR, EISCONN, EWOULDBLOCK
from operator import index as _index
from time import monotonic as _monotonic

from gcore import EV_READ, EV_WRITE
from gcore._gcore import recv_into_nowait as _recv_into_nowait
from gcore._gcore import recv_nowait as _recv_nowait
from gcore._gcore import send_nowait as _send_nowait
from ghub.checks import socket_timeout as _socket_timeout
from gnet import _private
from gnet import dns as _dns
from gnet._private import CLOSED as _CLOSED
from gnet._private import RETRY as _RETRY
from gnet._private import note_sent as _note_sent
from gnet._private import note_short_read as _note_short_read
from gnet._private import wait_if_drained as _wait_if_drained
from gnet._private import wait_io as _wait_io
from gnet.dns import gai_error as _gai_error
from gnet.dns import lookup_addr as _lookup_addr
from gnet.dns import lookup_host as _lookup_host

# The names this module provides in place of the stdlib's (gmonkey patches these).
__implements__ = [
    "socket", "SocketType", "socketpair", "fromfd", "create_connection", "create_server",
    "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo",
    "getfqdn",
]
# Among those, the resolver functions (gmonkey's patch_dns).
__dns__ = ["getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo",
           "getfqdn"]
# gnet's additions.
__extensions__ = ["wait_read", "wait_write", "wait_readwrite"]
# The stdlib's own objects, re-exported unchanged.
__imports__ = [name for name in _stdsocket.__all__ if name not in __implements__]
__imports__ += [name for name in ("error", "timeout", "herror", "gaierror", "SocketIO",
                                  "_GLOBAL_DEFAULT_TIMEOUT")
                if hasattr(_stdsocket, name) and name not in __imports__]

__all__ = __implements__ + __extensions__ + [n for n in __imports__ if not n.startswith("_")]

for _name in __imports__:
    globals()[_name] = getattr(_stdsocket, _name)
del _name

_realsocket = _stdsocket._socket.socket
_GLOBAL_DEFAULT_TIMEOUT = _stdsocket._GLOBAL_DEFAULT_TIMEOUT
_timeout_error = _stdsocket.timeout
_getdefaulttimeout = _stdsocket.getdefaulttimeout
# The stdlib's functions, taken at import: gmonkey may later put ours in their place.
_std_getaddrinfo = _stdsocket.getaddrinfo
_std_getnameinfo = _stdsocket.getnameinfo
_std_gethostbyname = _stdsocket._socket.gethostbyname
_std_gethostbyname_ex = _stdsocket._socket.gethostbyname_ex
_std_gethostbyaddr = _stdsocket._socket.gethostbyaddr
_system_call = _dns.system_call
_std_socketpair = _stdsocket._socket.socketpair
_std_create_server = _stdsocket.create_server
_inet_pton = _stdsocket.inet_pton
_AF_INET = _stdsocket.AF_INET
_AF_INET6 = _stdsocket.AF_INET6
_AI_NUMERICHOST = _stdsocket.AI_NUMERICHOST
_AI_CANONNAME = _stdsocket.AI_CANONNAME
_SOCK_NONBLOCK = getattr(_stdsocket, "SOCK_NONBLOCK", 0)
_SOL_SOCKET = _stdsocket.SOL_SOCKET
_MSG_DONTWAIT = getattr(_stdsocket, "MSG_DONTWAIT", 0)
_NI_NUMERICHOST = _stdsocket.NI_NUMERICHOST
_SO_ERROR = _stdsocket.SO_ERROR

_fileno = _realsocket.fileno
_accept = _realsocket._accept
_connect_ex = _realsocket.connect_ex
_interrupt = _private.interrupt
_set_nonblocking = _realsocket.setblocking


def _would_block():
    """The error of a non-blocking call that would block, as the stdlib raises it."""
    return BlockingIOError(EAGAIN, _os.strerror(EAGAIN))


def _wait_again(sock, evtype, flags):
    # A call with ``flags`` found ``sock`` not ready for ``evtype``: wait for it
    # (up to the timeout), or raise the stdlib's BlockingIOError if this call
    # never waits (a non-blocking socket, MSG_DONTWAIT).
    timeout = sock._timeout
    if (timeout is not None and not timeout) or (flags and _dontwait(flags)):
        raise _would_block()
    _wait_io(sock, evtype, timeout)


def _dontwait(flags):
    """True if ``flags`` (already accepted by the system call) asks for ``MSG_DONTWAIT``."""
    return bool(_index(flags) & _MSG_DONTWAIT)


def wait_read(fileno, timeout=None, timeout_exc=None):
    """Block the current greenlet until ``fileno`` is readable.

    ``fileno`` is a descriptor or an object with ``fileno()``. Raises
    ``timeout_exc`` (default: ``socket.timeout("timed out")``) after
    ``timeout`` seconds (``None``: no limit).
    """
    _private.wait_fd(fileno, EV_READ, timeout, timeout_exc)


def wait_write(fileno, timeout=None, timeout_exc=None):
    """Block the current greenlet until ``fileno`` is writable; see :func:`wait_read`."""
    _private.wait_fd(fileno, EV_WRITE, timeout, timeout_exc)


def wait_readwrite(fileno, timeout=None, timeout_exc=None):
    """Block the current greenlet until ``fileno`` is readable or writable (as wait_read)."""
    _private.wait_fd(fileno, EV_READ | EV_WRITE, timeout, timeout_exc)


class socket(_stdsocket.socket):
    """A cooperative ``socket.socket``: same constructor, methods and errors, blocking the greenlet.

    See the module documentation for how waiting, timeouts, ``close()`` and
    ``shutdown()`` behave.
    """

    __slots__ = ("_timeout", "_read_event", "_write_event")

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is None:
            if family == -1:
                family = _AF_INET
            if type == -1:
                type = _stdsocket.SOCK_STREAM
            if proto == -1:
                proto = 0
        # Set before the descriptor exists: a constructor that fails part way
        # (a bad family, a bad fileno) leaves a socket that is still finalized.
        self._read_event = None
        self._write_event = None
        self._timeout = None
        _realsocket.__init__(self, family, type, proto, fileno)
        self._io_refs = 0
        self._closed = False
        if fileno is None and type & _SOCK_NONBLOCK:
            self._timeout = 0.0
        else:
            self._timeout = _getdefaulttimeout()
        _realsocket.settimeout(self, 0.0)   # the descriptor itself never blocks

    # -- timeouts ------------------------------------------------------------------

    @property
    def timeout(self):
        """The timeout in seconds (``None``: blocking; ``0.0``: non-blocking)."""
        return self._timeout

    def settimeout(self, timeout):
        """Set the timeout of blocking operations (``None``, or seconds >= 0).

        Raises ``OSError`` (EBADF) if the descriptor is closed or invalid, as
        the stdlib does (the descriptor is re-set to non-blocking mode).
        """
        timeout = _socket_timeout(timeout)
        _set_nonblocking(self, False)
        self._timeout = timeout

    def gettimeout(self):
        """The timeout in seconds, or ``None``."""
        return self._timeout

    def setblocking(self, flag):
        """``setblocking(True)``: no timeout; ``setblocking(False)``: ``settimeout(0.0)``.

        Raises ``OSError`` (EBADF) if the descriptor is closed or invalid, and
        ``TypeError`` if ``flag`` is not an integer (a bool is one), as the stdlib.
        """
        flag = _index(flag)
        _set_nonblocking(self, False)
        self._timeout = None if flag else 0.0

    def getblocking(self):
        """False only when the timeout is 0.0."""
        return self._timeout != 0.0

    # -- waiting -------------------------------------------------------------------

    def _wait(self, evtype, timeout):
        """Wait until the socket is ready for ``evtype``; raise on timeout or close.

        (:func:`gnet._private.wait_io`: where the loop's back-end is
        edge-triggered, each direction's event stays registered from the
        first wait to ``close()``, so a wait costs no system call.)
        """
        _wait_io(self, evtype, timeout)

    def __del__(self, _finalize=_realsocket.__del__):
        # A socket collected without close(): unregister its events first. A
        # socket made with __new__ alone (never initialised) has no events.
        for name in ("_read_event", "_write_event"):
            event = getattr(self, name, None)
            if event is not None:
                event.cancel()
        _finalize(self)

    def _interrupt_waiters(self, value, read=True, write=True):
        if read:
            event = getattr(self, "_read_event", None)
            if event is not None:
                _interrupt(event, value)
                if value is _CLOSED:
                    self._read_event = None
        if write:
            event = getattr(self, "_write_event", None)
            if event is not None:
                _interrupt(event, value)
                if value is _CLOSED:
                    self._write_event = None

    def _deadline_wait(self, evtype, deadline):
        if deadline is None:
            self._wait(evtype, None)
            return
        remaining = deadline - _monotonic()
        if remaining <= 0:
            raise _timeout_error("timed out")
        self._wait(evtype, remaining)

    def _io_call(self, evtype, flags, method, *args):
        # Call the stdlib's ``method``, waiting for ``evtype`` on EAGAIN.
        while True:
            try:
                return method(self, *args)
            except BlockingIOError:
                pass
            _wait_again(self, evtype, flags)

    # -- closing ---------------------------------------------------------------------

    def _real_close(self, _ss=_realsocket):
        # Wake the waiters (and drop our events) before the descriptor goes away.
        self._interrupt_waiters(_CLOSED)
        _ss.close(self)

    def detach(self):
        """Give up the descriptor without closing it (blocked greenlets get EBADF); return it."""
        self._interrupt_waiters(_CLOSED)
        return super().detach()

    def shutdown(self, how):
        """Shut down one or both halves; greenlets blocked in that direction wake up and retry."""
        _realsocket.shutdown(self, how)
        read = how in (_stdsocket.SHUT_RD, _stdsocket.SHUT_RDWR)
        write = how in (_stdsocket.SHUT_WR, _stdsocket.SHUT_RDWR)
        self._interrupt_waiters(_RETRY, read, write)

    # -- connecting ------------------------------------------------------------------

    def _resolve(self, address):
        """``address`` with its host name (if any) resolved cooperatively."""
        family = _realsocket.family.__get__(self)
        if family != _AF_INET and family != _AF_INET6:
            return address
        if not isinstance(address, tuple) or len(address) < 2:
            return address   # let the system call raise the stdlib's error
        host = address[0]
        if isinstance(host, (bytes, bytearray)):
            host = bytes(host).decode("ascii", "replace")
        if not isinstance(host, str) or host in ("", "<broadcast>") or _is_numeric(host, family):
            return address
        infos = getaddrinfo(host, address[1], family, _realsocket.type.__get__(self),
                            _realsocket.proto.__get__(self))
        if not infos:
            raise _gai_error(_stdsocket.EAI_NONAME)
        sockaddr = infos[0][4]
        if family == _AF_INET6 and len(address) > 2:
            sockaddr = sockaddr[:2] + tuple(address[2:])
        return sockaddr

    def connect(self, address):
        """Connect to ``address``, waiting (up to the timeout) for the connection to complete.

        Raises the stdlib's errors (``ConnectionRefusedError``...), consulting
        ``SO_ERROR`` once the socket is writable; ``socket.timeout`` on timeout.
        """
        err = self._connect(address)
        if err:
            raise OSError(err, _os.strerror(err))

    def connect_ex(self, address):
        """Like :meth:`connect`, but return an errno instead of raising (EWOULDBLOCK: timeout)."""
        try:
            return self._connect(address)
        except _timeout_error:
            return EWOULDBLOCK

    def _connect(self, address):
        address = self._resolve(address)
        timeout = self._timeout
        if timeout == 0.0:
            return _connect_ex(self, address)
        deadline = None if timeout is None else _monotonic() + timeout
        while True:
            err = _connect_ex(self, address)
            if err == 0 or err == EISCONN:
                return 0
            if err not in (EINPROGRESS, EALREADY, EAGAIN, EWOULDBLOCK, EINTR):
                return err
            self._deadline_wait(EV_WRITE, deadline)
            so_error = self.getsockopt(_SOL_SOCKET, _SO_ERROR)
            if so_error:
                return so_error
            if err != EAGAIN:
                # In progress and now writable without error: connected. (A full
                # AF_UNIX backlog says EAGAIN instead: then try again.)
                return 0

    def accept(self):
        """Wait for a connection; return ``(gnet socket, address)``."""
        while True:
            try:
                fd, address = _accept(self)
                break
            except BlockingIOError:
                pass
            _wait_again(self, EV_READ, 0)
        sock = socket(self.family, self.type, self.proto, fileno=fd)
        return sock, address

    # -- receiving -------------------------------------------------------------------

    def recv(self, bufsize, flags=0):
        """Receive up to ``bufsize`` bytes (``b""`` at end of stream).

        Like every receiving and sending method, waits for the descriptor
        (up to the timeout) unless the socket is non-blocking or ``flags``
        has ``MSG_DONTWAIT``: then ``BlockingIOError`` when nothing is there.
        """
        fd = _fileno(self)
        if not flags and _wait_if_drained(self, fd):
            fd = _fileno(self)
        while True:
            data = _recv_nowait(fd, bufsize, flags)
            if data is not None:
                if not flags and 0 < len(data) < bufsize:
                    _note_short_read(fd)
                return data
            _wait_again(self, EV_READ, flags)
            fd = _fileno(self)

    def recv_into(self, buffer, nbytes=0, flags=0):
        """Receive into ``buffer``; return the number of bytes received."""
        while True:
            received = _recv_into_nowait(_fileno(self), buffer, nbytes, flags)
            if received is not None:
                return received
            _wait_again(self, EV_READ, flags)

    def recvfrom(self, bufsize, flags=0):
        """Receive up to ``bufsize`` bytes: ``(data, address)``."""
        return self._io_call(EV_READ, flags, _realsocket.recvfrom, bufsize, flags)

    def recvfrom_into(self, buffer, nbytes=0, flags=0):
        """Receive into ``buffer``: ``(nbytes, address)``."""
        return self._io_call(EV_READ, flags, _realsocket.recvfrom_into, buffer, nbytes, flags)

    if hasattr(_realsocket, "recvmsg"):
        def recvmsg(self, bufsize, ancbufsize=0, flags=0):
            """Receive data and ancillary data: ``(data, ancdata, msg_flags, address)``."""
            return self._io_call(EV_READ, flags, _realsocket.recvmsg, bufsize, ancbufsize, flags)

        def recvmsg_into(self, buffers, ancbufsize=0, flags=0):
            """Receive into ``buffers``: ``(nbytes, ancdata, msg_flags, address)``."""
            return self._io_call(EV_READ, flags, _realsocket.recvmsg_into, buffers, ancbufsize,
                                 flags)

    # -- sending ---------------------------------------------------------------------

    def send(self, data, flags=0):
        """Send some of ``data``; return how many bytes were sent."""
        while True:
            fd = _fileno(self)
            sent = _send_nowait(fd, data, flags)
            if sent is not None:
                if sent:
                    _note_sent(fd)
                return sent
            _wait_again(self, EV_WRITE, flags)

    def sendall(self, data, flags=0):
        """Send all of ``data`` (any bytes-like object, never copied).

        The timeout bounds the whole call, as in the stdlib; on timeout some
        data may have been sent.
        """
        if flags:
            sent = None
        else:
            fd = _fileno(self)
            sent = _send_nowait(fd, data, 0)
            if sent is not None and type(data) is bytes and sent == len(data):
                if sent:
                    _note_sent(fd)
                return None   # the usual case: all of it at once, whatever the timeout
        timeout = self._timeout
        nonblocking = timeout == 0.0 or (flags and _dontwait(flags))
        if sent is None and (nonblocking or flags):
            if nonblocking:
                return _realsocket.sendall(self, data, flags)   # the stdlib's loop, errors
            sent = _send_nowait(_fileno(self), data, flags)
        sent = sent or 0
        view = memoryview(data)
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        total = view.nbytes
        if sent >= total:
            return None
        if nonblocking:
            return _realsocket.sendall(self, view[sent:], flags)   # what the first try left
        deadline = None if timeout is None else _monotonic() + timeout
        while sent < total:
            self._deadline_wait(EV_WRITE, deadline)
            sent += _send_nowait(_fileno(self), view[sent:], flags) or 0
        _note_sent(_fileno(self))
        return None

    def sendto(self, data, *flags_address):
        """``sendto(data, address)`` or ``sendto(data, flags, address)``; the bytes sent.

        Bad arguments raise the stdlib's ``TypeError`` (with its messages).
        """
        if len(flags_address) == 1:
            flags = 0
            address = flags_address[0]
        elif len(flags_address) == 2:
            flags, address = flags_address
        else:
            raise TypeError(
                f"sendto() takes 2 or 3 arguments ({len(flags_address) + 1} given)")
        return self._io_call(EV_WRITE, flags, _realsocket.sendto, data, flags,
                             self._resolve(address))

    if hasattr(_realsocket, "sendmsg"):
        def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
            """Send data and ancillary data; return the number of bytes sent."""
            if address is None:
                return self._io_call(EV_WRITE, flags, _realsocket.sendmsg, buffers, ancdata, flags)
            return self._io_call(EV_WRITE, flags, _realsocket.sendmsg, buffers, ancdata, flags,
                                    self._resolve(address))

    def _sendfile_use_sendfile(self, file, offset=0, count=None):
        # The stdlib's sendfile() calls this first (and falls back on send()).
        giveup = _stdsocket._GiveupOnSendfile
        self._check_sendfile_params(file, offset, count)
        sockno = self.fileno()
        try:
            fileno = file.fileno()
        except (AttributeError, OSError) as err:
            raise giveup(err) from None
        try:
            fsize = _os.fstat(fileno).st_size
        except OSError as err:
            raise giveup(err) from None
        if not fsize:
            return 0
        timeout = self._timeout
        if timeout == 0.0:
            raise ValueError("non-blocking sockets are not supported")
        deadline = None if timeout is None else _monotonic() + timeout
        blocksize = min(count or fsize, 2 ** 30)
        total_sent = 0
        try:
            while True:
                if count:
                    blocksize = min(count - total_sent, 2 ** 30)
                    if blocksize <= 0:
                        break
                try:
                    sent = _os.sendfile(sockno, fileno, offset, blocksize)
                except BlockingIOError:
                    self._deadline_wait(EV_WRITE, deadline)
                    continue
                except OSError as err:
                    if total_sent == 0:
                        raise giveup(err) from None
                    raise
                if sent == 0:
                    break   # end of file
                offset += sent
                total_sent += sent
            return total_sent
        finally:
            if total_sent > 0 and hasattr(file, "seek"):
                file.seek(offset)


SocketType = socket

_ExceptionGroup = getattr(_builtins, "ExceptionGroup", None)   # Python 3.11+


def _is_numeric(host, family=0):
    """True if ``host`` is a numeric address (of any family): such hosts never reach DNS."""
    if family:
        try:
            _inet_pton(family, host)
            return True
        except (OSError, ValueError):
            pass
    try:
        _std_getaddrinfo(host, None, 0, 0, 0, _AI_NUMERICHOST)
        return True
    except (_stdsocket.gaierror, UnicodeError, ValueError):
        return False


def socketpair(family=None, type=_stdsocket.SOCK_STREAM, proto=0):
    """A pair of connected gnet sockets (``AF_UNIX`` by default)."""
    if family is None:
        family = getattr(_stdsocket, "AF_UNIX", _AF_INET)
    a, b = _std_socketpair(family, type, proto)
    return (socket(family, type, proto, a.detach()), socket(family, type, proto, b.detach()))


def fromfd(fd, family, type, proto=0):
    """A gnet socket on a duplicate of the descriptor ``fd``."""
    return socket(family, type, proto, _os.dup(fd))


def create_server(address, *, family=_AF_INET, backlog=None, reuse_port=False,
                  dualstack_ipv6=False):
    """The stdlib's ``create_server``, returning a gnet socket (it does no blocking I/O)."""
    sock = _std_create_server(address, family=family, backlog=backlog,
                              reuse_port=reuse_port, dualstack_ipv6=dualstack_ipv6)
    try:
        return socket(sock.family, sock.type, sock.proto, sock.detach())
    finally:
        sock.close()


def create_connection(address, timeout=_GLOBAL_DEFAULT_TIMEOUT, source_address=None, *,
                      all_errors=False):
    """Connect to ``(host, port)`` and return the gnet socket; try each address in turn.

    ``timeout`` (default: the global default) applies to each attempt. On
    failure raise the last error, or an ``ExceptionGroup`` of all of them with
    ``all_errors=True``. A socket that failed is always closed, whatever
    interrupted it (a ``Timeout`` or a kill included): no descriptor leaks.
    """
    host, port = address
    errors = []
    for family, socktype, proto, _canonname, sockaddr in getaddrinfo(
            host, port, 0, _stdsocket.SOCK_STREAM):
        sock = None
        try:
            sock = socket(family, socktype, proto)
            if timeout is not _GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            errors.clear()
            return sock
        except OSError as exc:
            if not all_errors:
                errors.clear()
            errors.append(exc)
            if sock is not None:
                sock.close()
        except BaseException:
            if sock is not None:
                sock.close()
            raise
    if not errors:
        raise OSError("getaddrinfo returns an empty list")
    try:
        if not all_errors or _ExceptionGroup is None:
            raise errors[0]
        raise _ExceptionGroup("create_connection failed", errors)
    finally:
        errors.clear()


# -- names ---------------------------------------------------------------------------


def _check_str(function, value):
    if not isinstance(value, str):
        raise TypeError(f"{function}() argument 1 must be str, not {type(value).__name__}")


def _host_text(host):
    if isinstance(host, (bytes, bytearray)):
        return bytes(host).decode("ascii")
    return host


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    """The stdlib's ``getaddrinfo``, resolving host names cooperatively.

    Numeric hosts (and ``None``) are handled by the stdlib without any
    lookup; names come from the hosts file or DNS. Raises ``socket.gaierror``
    with the stdlib's ``EAI_*`` numbers. With the thread resolver (see
    :mod:`gnet.dns`), the stdlib's runs in the hub's thread pool.
    """
    if _dns._kind == "thread":
        return _system_call(_std_getaddrinfo, host, port, family, type, proto, flags)
    if host is None or host == "" or host == b"":
        return _std_getaddrinfo(host, port, family, type, proto, flags)
    try:
        return _std_getaddrinfo(host, port, family, type, proto, flags | _AI_NUMERICHOST)
    except _stdsocket.gaierror:
        if flags & _AI_NUMERICHOST or _is_numeric(_host_text(host)):
            raise
    if port is not None and not isinstance(port, (int, str, bytes)):
        raise OSError("Int or String expected")
    name = _host_text(host)
    canonical, _aliases, addresses = _lookup_host(name, family)
    result = []
    for af, ip in addresses:
        result.extend(_std_getaddrinfo(ip, port, af, type, proto,
                                       (flags & ~_AI_CANONNAME) | _AI_NUMERICHOST))
    if flags & _AI_CANONNAME and result:
        first = result[0]
        result[0] = (first[0], first[1], first[2], canonical, first[4])
    return result


def gethostbyname(hostname):
    """The IPv4 address (a str) of ``hostname``; cooperative. Raises ``socket.gaierror``."""
    _check_str("gethostbyname", hostname)
    if _dns._kind == "thread":
        return _system_call(_std_gethostbyname, hostname)
    if hostname == "" or _is_numeric(hostname, _AF_INET):
        return _std_gethostbyname(hostname)
    _canonical, _aliases, addresses = _lookup_host(hostname, _AF_INET)
    return addresses[0][1]


def gethostbyname_ex(hostname):
    """``(hostname, aliases, [IPv4 addresses])`` of ``hostname``; cooperative."""
    _check_str("gethostbyname_ex", hostname)
    if _dns._kind == "thread":
        return _system_call(_std_gethostbyname_ex, hostname)
    if hostname == "" or _is_numeric(hostname, _AF_INET):
        return _std_gethostbyname_ex(hostname)
    canonical, aliases, addresses = _lookup_host(hostname, _AF_INET)
    return canonical, aliases, [ip for _af, ip in addresses]


def gethostbyaddr(ip_address):
    """``(hostname, aliases, [addresses])`` for an address (or a name, resolved first).

    The hosts file answers first, then a PTR query. Raises ``socket.herror``
    (``[Errno 1] Unknown host``) when the address has no name, and
    ``socket.gaierror`` when a name given instead does not resolve.
    """
    _check_str("gethostbyaddr", ip_address)
    if _dns._kind == "thread":
        return _system_call(_std_gethostbyaddr, ip_address)
    if _is_numeric(ip_address):
        infos = _std_getaddrinfo(ip_address, None, 0, 0, 0, _AI_NUMERICHOST)
    else:
        infos = getaddrinfo(ip_address, None)
    ip = infos[0][4][0]
    try:
        name, aliases = _lookup_addr(ip)
    except _stdsocket.gaierror as exc:
        if exc.errno == _stdsocket.EAI_AGAIN:
            raise _stdsocket.herror(2, "Host name lookup failure") from None
        raise _stdsocket.herror(1, "Unknown host") from None
    return name, aliases, [ip]


def getnameinfo(sockaddr, flags):
    """``(host, port)`` for a socket address, looking the host up cooperatively.

    ``NI_NUMERICHOST`` skips the lookup; with ``NI_NAMEREQD`` an address
    without a name raises ``socket.gaierror``, otherwise its numeric form is
    returned. Bad arguments raise the stdlib's ``TypeError``/``OverflowError``.
    """
    if _dns._kind == "thread":
        return _system_call(_std_getnameinfo, sockaddr, flags)
    try:
        flags = _index(flags)
        numeric_host, service = _std_getnameinfo(sockaddr, flags | _NI_NUMERICHOST)
    except BaseException:
        # The traceback keeps this frame alive: it must not keep the caller's argument too.
        del sockaddr
        raise
    del sockaddr
    if flags & _NI_NUMERICHOST:
        return numeric_host, service
    ip = numeric_host.split("%", 1)[0]
    try:
        name, _aliases = _lookup_addr(ip)
    except _stdsocket.gaierror:
        if flags & _stdsocket.NI_NAMEREQD:
            raise _gai_error(_stdsocket.EAI_NONAME) from None
        return numeric_host, service
    if flags & _stdsocket.NI_NOFQDN:
        name = name.split(".", 1)[0]
    return name, service


def getfqdn(name=""):
    """The fully qualified domain name of ``name`` (default: this host), as the stdlib gives it.

    The first name with a dot among the address's name and aliases, or the
    name itself when the lookup fails.
    """
    name = name.strip()
    if not name or name in ("0.0.0.0", "::"):
        name = _stdsocket.gethostname()
    try:
        hostname, aliases, _addrs = gethostbyaddr(name)
    except OSError:
        return name
    for candidate in [hostname, *aliases]:
        if "." in candidate:
            return candidate
    return hostname
