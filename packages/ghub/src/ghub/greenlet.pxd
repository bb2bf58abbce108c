# C-level declarations for ghub/greenlet.py (Cython's pure-Python mode; see hub.pxd).
# Greenlet derives from greenlet.greenlet and stays a Python class (its
# instances carry a __dict__ that subclasses and users rely on); compiled,
# its methods and the module's functions run as C, and the module's
# constants are C variables.

from ghub cimport checks
from ghub.lot cimport Lot

cdef object _greenlet_dead
cdef object _greenlet_throw
cdef object _NOT_DONE
cdef object _STARTED
cdef object _KILLED
