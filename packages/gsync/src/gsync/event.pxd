# C-level declarations for gsync/event.py (Cython's pure-Python mode; see _private.pxd).

cimport cython

from ghub cimport checks
from ghub.checks cimport wait_timeout
from ghub.lot cimport call_link
from gsync._private cimport Linkable, _queue_notifier


cdef object _NONE


cdef class Event(Linkable):
    cdef public bint _flag
    cdef public list _rawlinks      # rawlink()'s callbacks: registered until unlink()

    cpdef bint _ready(self) except -1
    cpdef rawlink(self, callback)
    cpdef unlink(self, callback)
    cpdef set(self)
    cpdef clear(self)
    cpdef wait(self, timeout=*)


cdef class AsyncResult(Linkable):
    cdef public object value
    cdef object _exception
    cdef object _exc_tb

    cpdef bint _ready(self) except -1
    cpdef set(self, value=*)
