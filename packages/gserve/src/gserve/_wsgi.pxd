# C-level declarations for gserve/_wsgi.py (Cython's pure-Python mode).
#
# _wsgi.py is the source. Compiled, what a WSGI server calls for every
# request (the environ, the checks of start_response) is cpdef: a C call
# from gserve.wsgi, which cimports it, and a plain function for everyone
# else. The module-level caches declared here become C globals: nothing
# outside the module may rely on them.

cimport cython

cdef dict _KEYS, _CHECKED_STATUS, _RESPONSE_SPECIAL, _RESPONSE_KINDS
cdef set _CHECKED_HEADERS
cdef Py_ssize_t _KEY_CACHE_SIZE, _CHECKED_SIZE
cdef int _CONTENT_LENGTH, _DATE, _SERVER, _CONNECTION, _TRANSFER_ENCODING

@cython.locals(upper=str)
cdef object _environ_key(str name)

@cython.locals(path=str, query=str, rest=str, slash=Py_ssize_t)
cpdef tuple split_target(str target)

@cython.locals(environ=dict, keys=dict, path=str, query=str, key=str)
cpdef dict request_environ(dict base, method, target, version, headers, remote_addr,
                           remote_port)

@cython.locals(code=int, kinds=dict, kind=object, name=str, value=str)
cpdef tuple accept_start_response(status, headers, exc_info, bint headers_sent, bint called)

@cython.locals(code=int, checked=set)
cpdef int check_start_response(status, headers) except -1

@cython.locals(code=int)
cdef int _check_status(status) except -1

cdef _check_header(header)
