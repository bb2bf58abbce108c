# C-level declarations for gsync/queue.py (Cython's pure-Python mode; see _private.pxd).
# Queue is an extension type with a __dict__ (subclasses and users may add
# attributes, as to any Python object); its put()/get() stay def methods
# (Python callers, and subclasses that override _put/_get/_init).

cimport cython

from ghub.checks cimport count, wait_timeout
from ghub.hub cimport Waiter, get_hub
from ghub.lot cimport Lot
from gsync._private cimport _queue_notifier


cdef class _Putter:
    cdef public object waiter
    cdef public object item
    cdef public bint taken
    cdef public object wakeup


cdef class Queue:
    cdef public object _maxsize
    cdef public object queue
    cdef public object _putitem
    cdef public object _getitem
    cdef public Lot _getters
    cdef public Lot _putters
    cdef public object _notifier
    cdef dict __dict__
    cdef object __weakref__

    @cython.locals(putter=_Putter)
    cdef _put_blocking(self, item, timeout)
    @cython.locals(putter=_Putter)
    cdef _put_from_hub(self, item)
    cdef _wait_for_item(self, timeout, bint take)
    @cython.locals(putter=_Putter)
    cdef _take(self)
    cdef _schedule_unlock(self)
