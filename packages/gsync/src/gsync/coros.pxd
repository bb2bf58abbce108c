# C-level declarations for gsync/coros.py (Cython's pure-Python mode; see _private.pxd).
# Semaphore is an extension type; BoundedSemaphore, Lock, DummySemaphore and
# RLock stay Python classes (subclasses of it, or small wrappers).

cimport cython

from ghub.checks cimport count, lock_timeout, wait_timeout
from gsync._private cimport Linkable


cdef class Semaphore(Linkable):
    cdef public object counter
    cdef public Py_ssize_t _nwaiters

    cpdef bint _ready(self) except -1
    cdef _acquire_slow(self, timeout)
