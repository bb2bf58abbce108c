# C-level declarations for ghub/timeout.py (Cython's pure-Python mode; see hub.pxd).
# Timeout derives from BaseException, so it stays a Python class; what it
# calls on the hot path (arming the timer) is a C function.

cimport cython
from gcore._gcore cimport Loop, timer

from ghub cimport checks

from ghub.hub cimport get_hub

@cython.locals(loop=Loop)
cdef timer _start_timer(seconds, tuple args)
