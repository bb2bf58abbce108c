# Non-blocking socket I/O where "it would block" is a value, not an exception.
#
# A cooperative socket tries the system call first and waits only when the
# kernel says EAGAIN. Through the stdlib's ``_socket`` that answer costs a
# BlockingIOError (an exception object, its errno and strerror text) on
# every wait; these functions return None instead, so the waiting path pays
# only for the system call. Every other failure raises the OSError (and
# subclass) the stdlib would, EINTR is retried after the signal handlers ran
# (PEP 475). Every call carries MSG_DONTWAIT, so it never blocks whatever
# the descriptor's mode. The GIL is released around transfers larger than
# _KEEP_GIL bytes only: a small non-blocking call takes a few microseconds of
# kernel time, less than releasing and taking the GIL back costs the caller
# (measured: about 6% of the instructions of a small round trip), and other
# threads wait no longer than they would for any bytecode sequence.

from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_SetFromErrno
from libc.errno cimport EAGAIN, EINTR


cdef extern from "<errno.h>":
    int EWOULDBLOCK


cdef extern from "sys/socket.h" nogil:
    ssize_t c_recv "recv"(int fd, void *buf, size_t n, int flags)
    ssize_t c_send "send"(int fd, const void *buf, size_t n, int flags)
    int MSG_DONTWAIT


# Reads up to this size go through a buffer on the C stack and are copied
# once into a bytes object of the exact size; larger ones get a bytes object
# of the full size, cut down (one copy) only when the read is short. Calls
# moving at most _KEEP_GIL bytes keep the GIL (see the top of this file).
cdef enum:
    _STACK_READ = 8192
    _KEEP_GIL = 16384


cdef inline ssize_t _recv(int fd, void *buf, size_t n, int flags) noexcept:
    cdef ssize_t result
    if n <= _KEEP_GIL:
        return c_recv(fd, buf, n, flags | MSG_DONTWAIT)
    with nogil:
        result = c_recv(fd, buf, n, flags | MSG_DONTWAIT)
    return result


cdef inline ssize_t _send(int fd, const void *buf, size_t n, int flags) noexcept:
    cdef ssize_t result
    if n <= _KEEP_GIL:
        return c_send(fd, buf, n, flags | MSG_DONTWAIT)
    with nogil:
        result = c_send(fd, buf, n, flags | MSG_DONTWAIT)
    return result


cdef inline int _io_failed() except -1:
    # After a call returned -1: 0 to retry (EINTR, signal handlers ran), 1 for
    # "would block", or raise the OSError of errno.
    cdef int err = errno
    if err == EAGAIN or err == EWOULDBLOCK:
        return 1
    if err == EINTR:
        PyErr_CheckSignals()
        return 0
    PyErr_SetFromErrno(OSError)
    return -1


cpdef recv_nowait(int fd, Py_ssize_t bufsize, int flags=0):
    """``recv(2)`` on non-blocking ``fd``: up to ``bufsize`` bytes, or None if it would block.

    ``b""`` at the end of the stream. Raises ``ValueError`` for a negative
    ``bufsize`` and the stdlib's ``OSError`` subclasses for failures.
    """
    cdef char stack_buf[_STACK_READ]
    cdef ssize_t n
    cdef char *target
    cdef bytes data = None
    if bufsize < 0:
        raise ValueError("negative buffersize in recv")
    if bufsize <= _STACK_READ:
        target = stack_buf
    else:
        data = PyBytes_FromStringAndSize(NULL, bufsize)
        target = PyBytes_AS_STRING(data)
    while True:
        n = _recv(fd, target, <size_t>bufsize, flags)
        if n >= 0:
            break
        if _io_failed():
            return None
    if data is None:
        return PyBytes_FromStringAndSize(stack_buf, n)
    if n == bufsize:
        return data
    return PyBytes_FromStringAndSize(target, n)


cpdef recv_into_nowait(int fd, buffer, Py_ssize_t nbytes=0, int flags=0):
    """``recv(2)`` into the writable ``buffer``: the number of bytes, or None if it would block.

    ``nbytes`` 0 means the whole buffer. Raises, as the stdlib's
    ``socket.recv_into``: ``ValueError`` for a negative ``nbytes`` or one
    larger than the buffer, ``TypeError`` for a read-only or non-buffer
    object, and the ``OSError`` subclass of the failure.
    """
    cdef Py_buffer view
    cdef ssize_t n
    if nbytes < 0:
        raise ValueError("negative buffersize in recv_into")
    try:
        PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE)
    except (TypeError, BufferError):
        raise TypeError("recv_into() argument 1 must be read-write bytes-like object, "
                        f"not {type(buffer).__name__}") from None
    try:
        if nbytes == 0:
            nbytes = view.len
        elif nbytes > view.len:
            raise ValueError("buffer too small for requested bytes")
        while True:
            n = _recv(fd, view.buf, <size_t>nbytes, flags)
            if n >= 0:
                return n
            if _io_failed():
                return None
    finally:
        PyBuffer_Release(&view)


cpdef send_nowait(int fd, data, int flags=0):
    """``send(2)`` of the bytes-like ``data``: the number of bytes sent, or None if it would block.

    Raises, as the stdlib's ``socket.send``: ``TypeError`` for an object
    that is not bytes-like, ``BufferError`` for a non-contiguous one, and the
    ``OSError`` subclass of the failure (``BrokenPipeError``...).
    """
    cdef Py_buffer view
    cdef ssize_t n
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        while True:
            n = _send(fd, view.buf, <size_t>view.len, flags)
            if n >= 0:
                return n
            if _io_failed():
                return None
    finally:
        PyBuffer_Release(&view)
