# C-level declarations for gsync/event.py (Cython's pure-Python mode; see _private.pxd).

cimport cython

from ghub.checks cimport wait_timeout
from gsync._private cimport Linkable, _queue_notifier


cdef object _NONE


cdef class Event(Linkable):
    cdef public bint _flag

    cpdef bint _ready(self) except -1
    cpdef set(self)
    cpdef clear(self)
    cpdef wait(self, timeout=*)


cdef class AsyncResult(Linkable):
    cdef public object value
    cdef object _exception

    cpdef bint _ready(self) except -1
    cpdef set(self, value=*)
