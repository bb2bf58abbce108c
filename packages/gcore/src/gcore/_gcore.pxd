# gcore's C-level API, for the compiled layers above it (``cimport gcore._gcore``).
#
# The Python API (``gcore.Loop``, ``gcore.timer``...) is unchanged; this file
# declares the extension types it is made of, so that Cython code in ghub and
# gsync can reach their fields and their fast paths directly. The fast paths
# are ``cpdef``: a compiled caller that typed its variable (``cdef Loop loop``)
# calls them in C, while the same source run as pure Python calls them as
# methods. They are for gstack's own layers (hence the underscore):
#
# - ``Loop._run_callback(func, args)``: queue ``func(*args)`` and return the
#   :class:`callback` (what ``run_callback`` does, minus the argument parsing
#   and the ``callable()`` check: the caller guarantees ``func`` is callable);
# - ``Loop._start_timer(seconds, func, args)``: a started one-shot
#   :class:`timer` calling ``func(*args)`` (what ``timer(seconds, func,
#   *args, loop=loop)`` does, without building and parsing keyword
#   arguments); ``seconds`` is validated as by ``timer``;
# - ``Loop.ref()``/``Loop.unref()``, ``callback.cancel()`` and ``event.cancel()``;
# - ``recv_nowait``, ``recv_into_nowait`` and ``send_nowait`` (gnet's sockets).
#
# A compiled layer that cimports this file is bound to the layout of these
# types: it must be rebuilt whenever this file changes (the wheelhouse's hash
# includes gcore's sources for that reason).

from cpython.ref cimport Py_DECREF, Py_INCREF

from gcore.libevent cimport c_event, event_base


cdef class callback:
    cdef public object func
    cdef public tuple args

    cpdef cancel(self)


cdef class Loop:
    cdef event_base *_base
    cdef readonly bint default
    cdef public object error_handler
    cdef public object signal_error_handler
    cdef public int callback_batch
    cdef Py_ssize_t _nref
    cdef list _callbacks
    cdef c_event _cb_ev
    cdef bint _cb_scheduled
    cdef bint _break
    cdef Py_ssize_t _dispatched   # callbacks run in this round of run() (loop.pxi)
    cdef object _stashed_exc
    cdef object _wakeup
    # run_callback_threadsafe (threadsafe.pxi): the wake-up descriptor and its event
    cdef int _ts_fds[2]
    cdef c_event _ts_ev
    cdef list _ts_pending

    cdef int _check(self) except -1
    cdef int _after_run(self, int rc) except -1
    cdef void _run_callbacks(self)
    cdef void _report_error(self, context) noexcept
    cdef _handle_error(self, context, t, v, tb)
    cdef _stash(self, exc)

    # The fast paths (see above).
    cpdef ref(self)
    cpdef unref(self)
    cpdef callback _run_callback(self, object func, tuple args)
    cpdef timer _start_timer(self, object seconds, object func, tuple args)

    cdef inline bint _alive(self):
        return self._nref > 0 or len(self._callbacks) > 0


cdef class event:
    cdef c_event _ev
    cdef readonly Loop loop
    cdef object _callback
    cdef object _arg
    cdef bint _held
    cdef bint _ref
    cdef bint _assigned

    cdef int _setup(self, Loop loop, int fd, short evtype, object callback, object arg, bint ref) except -1
    cdef _call(self, short evtype)
    cpdef add(self, timeout=*)
    cpdef cancel(self)
    cdef str _describe(self)
    cdef str _describe_callback(self)

    cdef inline void _hold(self):
        if not self._held:
            self._held = True
            Py_INCREF(self)
            if self._ref:
                self.loop._nref += 1

    cdef inline void _release(self):
        if self._held:
            self._held = False
            if self._ref:
                self.loop._nref -= 1
            Py_DECREF(self)


cdef class _call_event(event):
    cdef tuple _args
    cdef dict _kwargs


cdef class timer(_call_event):
    pass


# The calling thread's identifier (loop.pxi): ghub's get_hub() compares it in C.
cpdef unsigned long _thread_ident() noexcept


# Non-blocking system calls (io.pxi): gnet's sockets call them in C.
cpdef recv_nowait(int fd, Py_ssize_t bufsize, int flags=*)
cpdef recv_into_nowait(int fd, buffer, Py_ssize_t nbytes=*, int flags=*)
cpdef send_nowait(int fd, data, int flags=*)
