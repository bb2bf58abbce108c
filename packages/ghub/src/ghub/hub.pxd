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

@cython.locals(loop=Loop, cb=callback, t=timer)
cpdef sleep(seconds=*)

@cython.locals(loop=Loop, t=timer)
cpdef idle()

cdef _start_raw(Loop loop, switch, tuple args)
