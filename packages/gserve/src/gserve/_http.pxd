# C-level declarations for gserve/_http.py (Cython's pure-Python mode).
#
# _http.py is the source; compiled, Request and RequestParser are extension
# types with typed fields, and the hot path (feed, next_request, read_body)
# runs its buffer indexing, counting and state tests in C. The .py turns
# annotation_typing off: its annotations are for readers and type checkers,
# the C types are all here. It cimports nothing: the parser stands alone.
# The module-level names declared here (the states, the compiled patterns,
# the limits) become C globals: they are no longer module attributes, and
# nothing outside the module may rely on them.

cimport cython


cdef int _HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _FAILED, _TAKEN
cdef int _HOST, _CONTENT_LENGTH, _TRANSFER_ENCODING, _CONNECTION, _EXPECT, _UPGRADE
cdef Py_ssize_t _MAX_EMPTY_LINES, _MAX_CONTENT_LENGTH_DIGITS, _HUGE, _COPY_SMALL
cdef tuple _V11, _V10
cdef dict _SPECIAL, _KINDS
cdef frozenset _COMMON_METHODS
cdef Py_ssize_t _MAX_KINDS
cdef object _REQUEST_LINE, _HEADER_FIELD, _CHUNK_LINE, _TARGET, _FIELD_CONTENT
cdef str _TCHARS


cdef class Request:
    cdef public str method
    cdef public str target
    cdef public str version
    cdef public tuple version_info
    cdef public list headers
    cdef public object content_length    # int or None
    cdef public bint chunked
    cdef public bint keep_alive
    cdef public bint expect_continue
    cdef public bint upgrade


cdef class RequestParser:
    cdef bytearray _buf
    cdef int _state
    cdef object _error                   # the ProtocolError, once failed
    cdef Py_ssize_t _max_line, _max_head, _max_count, _max_body   # _max_body -1: none
    cdef Py_ssize_t _scan, _lfscan, _line_pos, _hs, _hcount, _empty
    cdef Py_ssize_t _remaining, _total, _section

    cdef _reset_head(self)

    cpdef feed(self, data)

    @cython.locals(buf=bytearray, n=Py_ssize_t, end=Py_ssize_t, head_end=Py_ssize_t,
                   hs=Py_ssize_t, text=str, headers=list, conn=str, digits=str,
                   parts=list, lines=list, line=str, name=str, colon=Py_ssize_t, value=str,
                   start=Py_ssize_t, stop=Py_ssize_t,
                   method=str, target=str, version=str,
                   http11=bint, host=Py_ssize_t, kind=int, expect_continue=bint,
                   has_upgrade=bint, keep_alive=bint, upgrade=bint, close=bint, ka=bint,
                   request=Request)
    cpdef next_request(self)

    @cython.locals(state=int, n=Py_ssize_t, k=Py_ssize_t)
    cpdef read_body(self, Py_ssize_t size=*)

    cpdef bytes take_buffer(self)

    cdef _fail(self, int status, message)
    cdef _finished(self)
    cdef _not_at_head(self)

    @cython.locals(buf=bytearray, n=Py_ssize_t)
    cdef bint _skip_empty_lines(self) except -1

    cdef _diagnose(self, Py_ssize_t head_end)

    @cython.locals(buf=bytearray, limit=Py_ssize_t, stop=Py_ssize_t, lf=Py_ssize_t, line=str)
    cdef _walk(self, Py_ssize_t n)

    @cython.locals(buf=bytearray)
    cdef bytes _take(self, Py_ssize_t k)

    @cython.locals(buf=bytearray, pieces=list, got=Py_ssize_t, k=Py_ssize_t, n=Py_ssize_t,
                   state=int)
    cdef _read_chunked(self, Py_ssize_t size)

    @cython.locals(buf=bytearray, n=Py_ssize_t, limit=Py_ssize_t, stop=Py_ssize_t,
                   lf=Py_ssize_t)
    cdef bint _chunk_size_line(self) except -1

    @cython.locals(buf=bytearray, n=Py_ssize_t, limit=Py_ssize_t, stop=Py_ssize_t,
                   lf=Py_ssize_t, line=str)
    cdef bint _trailer_line(self) except -1
