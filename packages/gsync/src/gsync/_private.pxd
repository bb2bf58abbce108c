# C-level declarations for gsync/_private.py (Cython's pure-Python mode): the
# .py is the source; when gsync is compiled, Linkable is an extension type
# whose notify path runs in C. The pure-Python build runs the same code.

cimport cython
from gcore._gcore cimport Loop

from ghub cimport checks
from ghub.hub cimport get_hub
from ghub.lot cimport Lot


cdef class Linkable:
    cdef public Lot _links          # the line: callbacks and parked greenlets
    cdef public object _notifier    # the queued gcore.callback, or None
    cdef object __weakref__

    cpdef bint _ready(self) except -1
    cpdef rawlink(self, callback)
    cpdef unlink(self, callback)
    cpdef _park(self, timeout, waiter=*)
    cpdef _check_and_notify(self)
    # (_notify_links stays a def method: it is queued as a bound method. So do
    # the methods of every class here that are handed out as callables.)


@cython.locals(loop=Loop)
cpdef _queue_notifier(func, tuple args=*)
