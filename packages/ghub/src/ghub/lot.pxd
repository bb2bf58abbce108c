# C-level declarations for ghub/lot.py (Cython's pure-Python mode; see hub.pxd).
# Lot is a final extension type (not subclassed: its cpdef methods need no
# override check); gsync cimports it, so parking and unparking are C calls.

cimport cython

from ghub.hub cimport Waiter, get_hub


@cython.final
cdef class Lot:
    cdef object _links      # a deque of links
    cdef Py_ssize_t _owed

    cpdef add(self, link)
    cpdef bint remove(self, link) except -1
    cpdef popleft(self)
    cpdef first(self)
    cpdef clear(self)
    cpdef owe_all(self)
    cpdef Py_ssize_t owed(self) except -1
    cpdef unpark(self, arg)
    @cython.locals(waiter=Waiter)
    cpdef park(self, timeout=*, waiter=*, link=*)
    cdef _park_timed(self, timeout, Waiter waiter, link)


cpdef call_link(link, arg)
