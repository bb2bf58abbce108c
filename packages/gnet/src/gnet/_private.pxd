# C-level declarations for gnet/_private.py (Cython's pure-Python mode).
#
# _private.py is the source; gnet's setup.py compiles it as it is. IOEvent
# becomes an extension type derived from gcore's event: its C ``_call``
# queues the switch into the waiting greenlet (ghub's Wakeup) straight from
# the loop's callback, and
# wait_io (cpdef: gnet.socket calls it in C) reaches the event's fields, the
# loop's timer and the hub switch without the interpreter. The other names
# stay ordinary module attributes. docs/performance.md has the figures.

cimport cython
from gcore._gcore cimport Loop
from gcore._gcore cimport event as _event

from ghub.hub cimport Wakeup, _switch_to_hub, get_hub


cdef class IOEvent(_event):
    cdef public object hub
    cdef public Wakeup wakeup
    cdef public bint edge
    cdef public bint skippable
    cdef public bint closed
    cdef public int fileno
    cdef public object waiting

    cdef _call(self, short evtype)


@cython.locals(ev=IOEvent)
cpdef wait_io(sock, int evtype, timeout)
@cython.locals(loop=Loop, edge=bint)
cdef _wait_on(IOEvent ev, hub, timeout, sock)

cdef int _drained_fd
cdef bint _drained_sent
cpdef note_short_read(int fd)
cpdef note_sent(int fd)
cpdef note_closed(int fd)
@cython.locals(ev=IOEvent)
cpdef bint wait_if_drained(sock, int fd) except -1
