# C-level declarations for ghub/hub.py (Cython's pure-Python mode): hub.py is
# the source; when ghub is compiled this file makes Waiter an extension type
# and the hot functions C functions. Nothing here changes what the module
# does, only how fast: the pure-Python build runs the same code.

cimport cython
from gcore._gcore cimport Loop, _thread_ident, callback, timer

from ghub cimport checks

cdef object _NONE
cdef str _BLOCKING_IN_HUB
cdef object _greenlet_switch


cdef class Waiter:
    cdef public object hub
    cdef public object greenlet
    cdef public object value
    cdef object _exception

    cpdef get(self)


cdef unsigned long _cache_ident
cdef object _cache_token
cdef object _cache_hub
cdef object _get_ident

cpdef get_hub()
cdef _get_hub_slow()
cpdef _switch_to_hub(hub)


cdef class Wakeup
cdef class _ReadyQueue
cdef _ReadyQueue _draining
cdef object _EMPTY

@cython.final
cdef class _ReadyQueue:
    cdef object hub
    cdef Loop loop
    cdef list items
    cdef Py_ssize_t next
    cdef bint scheduled

    cdef Wakeup _pop(self)
    cdef _schedule(self)
    @cython.locals(wakeup=Wakeup)
    cdef _switch_next(self)


@cython.final
cdef class Wakeup:
    cdef _ReadyQueue queue
    cdef public object greenlet
    cdef public object value
    cdef public bint queued

    cpdef wake(self, glet, value)
    cpdef cancel(self)


@cython.locals(queue=_ReadyQueue)
cdef _park(hub)
cpdef _drain(_ReadyQueue queue)

@cython.locals(loop=Loop, cb=callback, t=timer)
cpdef sleep(seconds=*)

@cython.locals(loop=Loop, t=timer)
cpdef idle()

cdef _start_raw(Loop loop, switch, tuple args)
