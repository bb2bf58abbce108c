# C-level declarations for gserve/wsgi.py (Cython's pure-Python mode).
#
# wsgi.py is the source. Compiled, the per-connection and per-request state
# (_Shadow, _Response) are extension types with typed fields, and the three
# hot paths of WSGIServer (what its _inspect, prepare and handle methods
# call) are C functions that reach the strict parser (gserve._http) by C
# calls rather than through the Python protocol. WSGIServer stays a Python
# class. docs/performance.md says why.

cimport cython

from gserve._http cimport Request, RequestParser
from gserve._wsgi cimport accept_start_response, request_environ


cdef class _Shadow:
    cdef public RequestParser parser
    cdef public object heads             # deque of Request
    cdef public Request current
    cdef public bytes error
    cdef public object head_started      # float or None
    cdef public double body_started
    cdef public Py_ssize_t body_received


cdef class _Response:
    cdef public object request
    cdef public Request head
    cdef public object server
    cdef public str status
    cdef public int code
    cdef public str reason
    cdef public list headers
    cdef public object content_length    # int or None
    cdef public bint started
    cdef public bint no_body
    cdef public bint close
    cdef public Py_ssize_t length

    cdef _add_headers(self)
    cpdef finish(self, result)


@cython.locals(shadow=_Shadow, parser=RequestParser, head=Request)
cdef _feed_shadow(server, connection, data)

@cython.locals(shadow=_Shadow, head=Request)
cdef _pair(server, request)

@cython.locals(response=_Response)
cdef _serve(server, request, Request head)
