# C-level declarations for ghub/checks.py (Cython's pure-Python mode; see hub.pxd).
# The layers above cimport these, so that a check is a C call.

cdef object _index
cdef str _NAN

cpdef seconds(value, str what=*)
cpdef timeout(value, str what=*)
cpdef delay(value, str what=*)
cpdef socket_timeout(value)
cdef _real(value, str what)
cpdef wait_timeout(value)
cpdef lock_timeout(blocking, timeout)
cpdef count(value, str what)
cdef _integer(value, str what, str expected)
cpdef function(value, str what=*)
cpdef exception(value)
cpdef list items(values, str what, str kind, tuple attributes, exact=*)
