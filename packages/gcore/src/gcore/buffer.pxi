# buffer: a file-like wrapper of libevent's evbuffer.
#
# A buffer either owns its evbuffer (``buffer(data)`` makes a new one, freed
# with the wrapper) or borrows one that libevent owns (an http_request's input
# and output buffers). A borrowed buffer is only valid while its owner is:
# the request detaches it (``_buf = NULL``) when the request is done, and
# from then on every method raises ValueError instead of touching freed
# memory. ``detach()`` does the same on demand; it never frees a structure
# the wrapper does not own.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from gcore.libevent_http cimport *



cdef class buffer:
    """buffer(data=b'')
--

    A file-like view of a libevent ``evbuffer``: ``len()``, ``read``, ``readline``, iteration.

    ``buffer(data=b"")`` makes a buffer of its own holding ``data``; the
    input and output buffers of an :class:`http_request` are borrowed from
    libevent, and become unusable (``ValueError``, as for a closed file) when
    the request is done or after :meth:`detach`.
    """

    cdef evbuffer *_buf
    cdef bint _owned

    def __cinit__(self, *args, **kwargs):
        self._buf = NULL
        self._owned = False

    def __init__(self, data=b""):
        if self._buf != NULL:
            raise RuntimeError("buffer.__init__ called twice")
        self._buf = evbuffer_new()
        if self._buf == NULL:
            raise MemoryError()
        self._owned = True
        if data:
            self.write(data)

    def __dealloc__(self):
        if self._owned and self._buf != NULL:
            evbuffer_free(self._buf)
        self._buf = NULL

    cdef inline evbuffer *_get(self) except NULL:
        if self._buf == NULL:
            raise ValueError("I/O operation on a detached buffer (its request is done)")
        return self._buf

    def __len__(self):
        return evbuffer_get_length(self._get())

    def __bool__(self):
        return self._buf != NULL and evbuffer_get_length(self._buf) > 0

    @property
    def detached(self):
        """True once the buffer no longer refers to an evbuffer."""
        return self._buf == NULL

    def read(self, Py_ssize_t size=-1):
        """Remove and return up to ``size`` bytes (all of them if ``size`` is negative)."""
        cdef evbuffer *buf = self._get()
        cdef Py_ssize_t length = evbuffer_get_length(buf)
        if size < 0 or size > length:
            size = length
        return self._remove(buf, size)

    cdef bytes _remove(self, evbuffer *buf, Py_ssize_t size):
        cdef bytes data
        if size == 0:
            return b""
        data = PyBytes_FromStringAndSize(NULL, size)
        evbuffer_remove(buf, PyBytes_AS_STRING(data), size)
        return data

    def readline(self, Py_ssize_t size=-1):
        """Remove and return one line, with its ``\\n`` (the rest if there is none).

        At most ``size`` bytes if ``size`` is not negative.
        """
        cdef evbuffer *buf = self._get()
        cdef size_t eol_len = 0
        cdef evbuffer_ptr found = evbuffer_search_eol(buf, NULL, &eol_len, EVBUFFER_EOL_LF)
        cdef Py_ssize_t n
        if found.pos < 0:
            n = evbuffer_get_length(buf)
        else:
            n = found.pos + 1
        if 0 <= size < n:
            n = size
        return self._remove(buf, n)

    def readlines(self, Py_ssize_t hint=-1):
        """Remove and return the lines (stopping once ``hint`` bytes were read, if positive)."""
        lines = []
        cdef Py_ssize_t total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                return lines

    def __iter__(self):
        self._get()
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data):
        """Append the bytes-like ``data``; return how many bytes were added."""
        cdef evbuffer *buf = self._get()
        cdef const unsigned char[::1] view
        if isinstance(data, str):
            raise TypeError("buffer.write() needs a bytes-like object, not str")
        view = memoryview(data).cast("B")
        if view.shape[0] and evbuffer_add(buf, &view[0], view.shape[0]) != 0:
            raise MemoryError()
        return view.shape[0]

    def detach(self):
        """Stop referring to the evbuffer (freeing it only if this buffer made it)."""
        if self._owned and self._buf != NULL:
            evbuffer_free(self._buf)
        self._buf = NULL
        self._owned = False

    def __repr__(self):
        if self._buf == NULL:
            return f"<gcore.buffer at {id(self):#x} detached>"
        kind = "own" if self._owned else "borrowed"
        return f"<gcore.buffer at {id(self):#x} {kind} len={evbuffer_get_length(self._buf)}>"


cdef buffer _borrowed_buffer(evbuffer *buf):
    cdef buffer b = buffer.__new__(buffer)
    b._buf = buf
    b._owned = False
    return b
