# C-level declarations for gnet/asyncio.py (Cython's pure-Python mode).
#
# asyncio.py is the source; gnet's setup.py compiles it as it is. The
# selector's per-event path (the event callbacks that record readiness, the
# hand-out in select(), the wake-up of the parked greenlet) lives in the two
# small classes below, made C types here; HubSelector and EventLoop subclass
# the stdlib's classes, so they stay Python classes with compiled methods.

cdef class _Readiness:
    cdef public object loop
    cdef public dict ready
    cdef public list paused
    cdef public object waiting
    cdef public bint wake_queued

    cpdef wake(self)
    cpdef request_wake(self)
    cpdef list take(self, dict fd_to_key)


cdef class _Watch:
    cdef public _Readiness owner
    cdef public object fd

    cpdef on_read(self, event, evtype)
    cpdef on_write(self, event, evtype)
