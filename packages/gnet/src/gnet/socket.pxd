# C-level declarations for gnet/socket.py (Cython's pure-Python mode).
#
# socket.py is the source; gnet's setup.py compiles it as it is: the
# cooperative socket class stays a Python class (it subclasses the stdlib's
# socket.socket), its methods become compiled functions, and what they call
# on the hot path is C: gcore's non-blocking system calls, gnet._private's
# wait_io and the retry helper below. The other module-level names stay
# module attributes (gmonkey and the stdlib reach them by name).
# docs/performance.md has the figures.

from gcore._gcore cimport recv_into_nowait as _recv_into_nowait
from gcore._gcore cimport recv_nowait as _recv_nowait
from gcore._gcore cimport send_nowait as _send_nowait

from gnet._private cimport note_sent as _note_sent
from gnet._private cimport note_short_read as _note_short_read
from gnet._private cimport wait_if_drained as _wait_if_drained
from gnet._private cimport wait_io as _wait_io


cdef _wait_again(sock, int evtype, flags)
