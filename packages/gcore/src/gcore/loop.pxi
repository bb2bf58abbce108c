# Loop: one libevent event_base, its callback queue, its error hook.

cdef timeval _ZERO_TV
_ZERO_TV.tv_sec = 0
_ZERO_TV.tv_usec = 0


cdef int _to_timeval(object seconds, timeval *tv) except -1:
    """Convert a non-negative number of seconds to a timeval."""
    cdef double value
    try:
        value = seconds
    except TypeError:
        raise TypeError(f"timeout must be a number of seconds, not {type(seconds).__name__}") from None
    if isnan(value):
        raise ValueError("timeout must not be NaN")
    if value < 0:
        raise ValueError(f"timeout must be non-negative, not {seconds!r}")
    if value > 1e11:
        value = 1e11   # about 3000 years: libevent's time arithmetic stays in range
    tv.tv_sec = <long>value
    tv.tv_usec = <long>((value - tv.tv_sec) * 1000000.0)
    if tv.tv_usec >= 1000000:
        tv.tv_usec = 999999
    return 0


cpdef unsigned long _thread_ident() noexcept:
    """The calling thread's identifier (``threading.get_ident()``); a C call for ghub's hub cache."""
    return PyThread_get_thread_ident()


cdef inline void _clear_errno() noexcept nogil:
    # libevent fails some calls without setting errno: _oserror must not
    # report a stale one.
    global errno
    errno = 0


cdef object _oserror(str what):
    cdef int err = errno
    if err:
        return OSError(err, f"{what}: {os.strerror(err)}")
    return OSError(f"{what} failed")


@cython.final
@cython.freelist(64)
cdef class callback:
    """A function queued with :meth:`Loop.run_callback`; ``cancel()`` drops it.

    ``pending`` is true until the function has run or was cancelled.
    """

    cpdef cancel(self):
        """Do not run the function (no-op if it already ran)."""
        self.func = None
        self.args = None

    stop = cancel

    @property
    def pending(self):
        return self.func is not None

    def __repr__(self):
        state = "pending" if self.func is not None else "done"
        return f"<gcore.callback at {id(self):#x} {state} func={self.func!r} args={self.args!r}>"


cdef void _loop_callbacks_cb(evutil_socket_t fd, short evtype, void *arg) noexcept with gil:
    cdef Loop loop = <Loop>arg
    loop._dispatched += 1
    loop._run_callbacks()


cdef int _collect_gcore_event(const event_base *base, const c_event *ev, void *found) noexcept with gil:
    # Loop._cancel_events: the events that are gcore events (libevent's own,
    # evhttp's and evdns's, and the loop's callback queue are not).
    if event_get_callback(ev) == <event_callback_fn>_event_trampoline:
        try:
            (<list>found).append(<object>event_get_callback_arg(ev))
        except MemoryError:
            return -1
    return 0


cdef class Loop:
    """Loop(default=False, avoid=(), precise_timer=False)
--

    An event loop: one libevent ``event_base``.

    ``Loop()`` makes a new, independent loop (one per thread that needs its own);
    :func:`get_default_loop` returns the main one, which the module-level
    functions use. Libevent picks the fastest back-end; the environment
    variables ``EVENT_NOEPOLL=1``, ``EVENT_NOPOLL=1``... disable one, and so does
    ``avoid=("epoll",)``.

    ``error_handler``, when set, is called as ``error_handler(context, type,
    value, traceback)`` for every exception raised by a callback run by this
    loop; by default :meth:`handle_error` prints it. A ``SystemExit`` or
    ``KeyboardInterrupt`` that reaches the default handler stops :meth:`run`,
    which re-raises it.

    An exception raised by a Python signal handler while the loop waits (for
    example ``KeyboardInterrupt`` on Ctrl-C, or a test timeout's) goes to
    ``signal_error_handler(exception)`` when set; by default it stops
    :meth:`run`, which raises it.

    ``callback_batch`` bounds how many queued callbacks run before the loop
    polls for I/O again, so that a greenlet that keeps yielding cannot starve
    sockets and timers.
    """

    # (The fields are declared in _gcore.pxd.)

    def __cinit__(self, *args, **kwargs):
        self._base = NULL
        self._callbacks = []
        self._ts_fds[0] = -1
        self._ts_fds[1] = -1
        self._ts_pending = []
        self.callback_batch = 1000

    def __init__(self, bint default=False, avoid=(), bint precise_timer=False):
        cdef event_config *cfg
        if self._base != NULL:
            raise RuntimeError("Loop.__init__ called twice")
        cfg = event_config_new()
        if cfg == NULL:
            raise MemoryError()
        try:
            for method in avoid:
                if event_config_avoid_method(cfg, method.encode()) != 0:
                    raise _oserror(f"event_config_avoid_method({method!r})")
            if precise_timer:
                event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER)
            self._base = event_base_new_with_config(cfg)
        finally:
            event_config_free(cfg)
        if self._base == NULL:
            raise _oserror("event_base_new")
        event_assign(&self._cb_ev, self._base, -1, 0, _loop_callbacks_cb, <void *>self)
        _threadsafe_open(self)
        self.default = default
        self._wakeup = None
        if default:
            self._install_wakeup()

    def __dealloc__(self):
        if self._base != NULL:
            event_del(&self._cb_ev)
            _threadsafe_close(self)
            event_base_free(self._base)
            self._base = NULL

    # -- running -------------------------------------------------------------

    cdef int _check(self) except -1:
        # A subclass whose __init__ does not call Loop.__init__ has no event_base:
        # libevent would crash on it.
        if self._base == NULL:
            raise RuntimeError(f"{type(self).__name__}.__init__() did not call Loop.__init__()")
        return 0

    def run(self, bint once=False, bint nonblock=False):
        """Run the loop; return 0, or 1 when nothing was registered.

        Without arguments, run until no event, callback or reference that
        counts is left, or until :meth:`break_loop`. ``once=True`` waits for at
        least one event and runs what is ready; ``nonblock=True`` runs what is
        ready without waiting. Raises ``OSError`` if libevent fails and
        re-raises a ``SystemExit``/``KeyboardInterrupt`` stopped by the default
        error handler. Must not be called from one of this loop's callbacks.
        """
        cdef int rc = 0
        cdef int flags = 0
        self._check()
        self._break = False
        if not self._alive():
            return 1
        if once or nonblock:
            if once:
                flags |= EVLOOP_ONCE
            if nonblock:
                flags |= EVLOOP_NONBLOCK
            _clear_errno()
            with nogil:
                rc = event_base_loop(self._base, flags)
            self._after_run(rc)
            return 0
        while self._alive() and not self._break:
            _clear_errno()
            if self._dispatched:
                # The last round ran callbacks: more are likely ready. Poll
                # without waiting and keep the GIL, so that each callback does
                # not take it again (other threads still get it at the
                # interpreter's switch interval, in the callbacks' Python code).
                self._dispatched = 0
                rc = event_base_loop(self._base, EVLOOP_ONCE | EVLOOP_NONBLOCK)
            else:
                with nogil:
                    rc = event_base_loop(self._base, EVLOOP_ONCE)
            if rc != 0 or self._stashed_exc is not None:
                break
        self._dispatched = 0
        self._after_run(rc)
        return 0

    cdef int _after_run(self, int rc) except -1:
        exc = self._stashed_exc
        if exc is not None:
            self._stashed_exc = None
            raise exc
        if rc < 0:
            raise _oserror("event_base_loop (is the loop already running?)")
        return 0

    def break_loop(self):
        """Make :meth:`run` return after the callbacks running now."""
        self._check()
        self._break = True
        if event_base_loopbreak(self._base) != 0:
            raise _oserror("event_base_loopbreak")

    def now(self):
        """The loop's cached time (seconds since the epoch) of this iteration."""
        cdef timeval tv
        self._check()
        event_base_gettimeofday_cached(self._base, &tv)
        return tv.tv_sec + tv.tv_usec * 1e-6

    def update_time(self):
        """Refresh the cached time that :meth:`now` returns."""
        self._check()
        event_base_update_cache_time(self._base)

    def update_now(self):
        """:meth:`update_time`, under gevent's name."""
        self.update_time()

    # -- gevent's watchers (events.pxi) ----------------------------------------

    def timer(self, after, repeat=0.0, ref=True, priority=None):
        """A :class:`timer_watcher` of this loop, not started (gevent's ``loop.timer``)."""
        self._check()
        return timer_watcher(self, after, repeat, ref, priority)

    def io(self, fd, events, ref=True, priority=None):
        """An :class:`io_watcher` of ``fd`` for ``events`` (gevent's 1 read, 2 write), not started."""
        self._check()
        return io_watcher(self, fd, events, ref, priority)

    @property
    def method(self):
        """The back-end libevent uses: ``"epoll"``, ``"poll"``, ``"select"``..."""
        self._check()
        return event_base_get_method(self._base).decode()

    def reinit(self):
        """Re-initialise the back-end after ``os.fork()`` (``event_reinit``)."""
        self._check()
        if event_reinit(self._base) != 0:
            raise _oserror("event_reinit")
        # The wake-up descriptor is shared with the parent: the child gets its own.
        _threadsafe_close(self)
        _threadsafe_open(self)
        if self._wakeup is not None:
            self._uninstall_wakeup()
            self._install_wakeup()
        if self.default:
            # After a fork the default resolver's sockets are shared with the
            # parent: end it here; the next query makes a fresh one.
            dns_shutdown(True)

    def _cancel_events(self):
        """Cancel every gcore event pending on this loop; return how many there were.

        For gstack's layers: ghub calls it on the loop of a thread that
        ended, so that a timer or an I/O event still armed there (a greenlet
        of that thread blocked for ever) does not keep the loop, and its
        descriptors, alive. libevent's own events and the loop's are left.
        """
        cdef list found = []
        self._check()
        # (event_base_foreach_event forbids changing the base from its
        # callback: collect first, cancel after.)
        event_base_foreach_event(self._base, _collect_gcore_event, <void *>found)
        for ev in found:
            (<event>ev).cancel()
        return len(found)

    # -- liveness ------------------------------------------------------------

    cpdef ref(self):
        """Count one more outside operation that keeps :meth:`run` running."""
        self._nref += 1

    cpdef unref(self):
        """Undo one :meth:`ref`."""
        if self._nref <= 0:
            raise ValueError("Loop.unref() without a matching ref()")
        self._nref -= 1

    @property
    def ref_count(self):
        """How many events, callbacks' batches and refs keep :meth:`run` going."""
        return self._nref

    @property
    def pending_callbacks(self):
        return len(self._callbacks)

    # -- callbacks -----------------------------------------------------------

    def run_callback(self, func, *args):
        """Queue ``func(*args)`` to run in this loop iteration; return a :class:`callback`.

        Callbacks run in the order they were queued, in the loop's greenlet or
        thread, before the loop waits for I/O again.
        """
        if not callable(func):
            self._check()
            raise TypeError(f"callback must be callable, not {type(func).__name__}")
        return self._run_callback(func, args)

    def run_callback_threadsafe(self, func, *args):
        """Queue ``func(*args)`` from any thread: wake this loop and run it there.

        The one call of a loop that other threads may make. The function runs
        in the loop's thread, in the order sent, as if queued there with
        :meth:`run_callback` (errors go to the loop's error handler). Never
        blocks; a burst of calls costs one wake-up. Does not keep :meth:`run`
        going: a caller that expects a call back takes :meth:`ref` first (in
        the loop's thread) and drops it in the callback. Returns the
        :class:`callback`.
        """
        cdef callback cb
        if not callable(func):
            raise TypeError(f"callback must be callable, not {type(func).__name__}")
        self._check()
        cb = callback.__new__(callback)
        cb.func = func
        cb.args = args
        _threadsafe_send(self, cb)
        return cb

    cpdef callback _run_callback(self, object func, tuple args):
        """``run_callback(func, *args)`` for gstack's layers: ``func`` must be callable."""
        cdef callback cb
        self._check()
        cb = callback.__new__(callback)
        cb.func = func
        cb.args = args
        self._callbacks.append(cb)
        if not self._cb_scheduled:
            self._cb_scheduled = True
            event_active(&self._cb_ev, EV_TIMEOUT, 1)
        return cb

    cpdef timer _start_timer(self, object seconds, object func, tuple args):
        """``timer(seconds, func, *args, loop=self)`` for gstack's layers (no keywords to parse)."""
        cdef timeval tv
        cdef timer t
        _to_timeval(seconds, &tv)
        t = timer.__new__(timer)
        t._setup(self, -1, 0, func, None, True)
        t._args = args
        if event_add(&t._ev, &tv) != 0:
            raise _oserror("event_add(timer)")
        t._hold()
        return t

    cdef void _run_callbacks(self):
        cdef int budget = self.callback_batch
        cdef list batch
        cdef callback cb
        cdef Py_ssize_t i, n
        while self._callbacks:
            batch = self._callbacks
            self._callbacks = []
            n = len(batch)
            i = 0
            while i < n:
                cb = <callback>batch[i]
                i += 1
                func = cb.func
                if func is None:
                    continue
                args = cb.args
                cb.func = None
                cb.args = None
                try:
                    func(*args)
                except BaseException:
                    self._report_error(cb)
                budget -= 1
                if (budget <= 0 or self._break or self._stashed_exc is not None) and (
                        i < n or self._callbacks):
                    # Leave the rest for the next iteration, after a poll.
                    self._callbacks = batch[i:] + self._callbacks
                    event_add(&self._cb_ev, &_ZERO_TV)
                    return
        self._cb_scheduled = False

    # -- errors --------------------------------------------------------------

    cdef void _report_error(self, context) noexcept:
        t, v, tb = sys.exc_info()
        try:
            self._handle_error(context, t, v, tb)
        except BaseException:
            pass

    cdef _handle_error(self, context, t, v, tb):
        handler = self.error_handler
        if handler is None:
            self.handle_error(context, t, v, tb)
            return
        try:
            handler(context, t, v, tb)
        except (SystemExit, KeyboardInterrupt) as exc:
            self._stash(exc)
        except BaseException:
            sys.stderr.write(f"gcore: error in the error handler of {self!r}\n")
            traceback.print_exc()
            sys.stderr.write("gcore: the original error was:\n")
            traceback.print_exception(t, v, tb)

    cdef _stash(self, exc):
        if self._stashed_exc is None:
            self._stashed_exc = exc
        self._break = True
        event_base_loopbreak(self._base)

    def handle_error(self, context, type, value, tb):
        """Print the traceback and ``<context> failed with <type>`` to stderr.

        ``SystemExit`` and ``KeyboardInterrupt`` are not printed: they stop
        :meth:`run`, which raises them.
        """
        if type is not None and issubclass(type, (SystemExit, KeyboardInterrupt)):
            self._stash(value if value is not None else type())
            return
        traceback.print_exception(type, value, tb)
        name = getattr(type, "__name__", type)
        sys.stderr.write(f"{context!r} failed with {name}\n")

    # -- signal wake-up ------------------------------------------------------

    def _install_wakeup(self):
        import signal as _signal
        import _socket   # not socket: gmonkey may have patched that one
        # (threading is not imported here: gmonkey must be able to patch it first.)
        r, w = _socket.socketpair()
        r.setblocking(False)
        w.setblocking(False)
        try:
            previous = _signal.set_wakeup_fd(w.fileno(), warn_on_full_buffer=False)
        except ValueError:   # not the main thread: no wake-up fd here
            r.close()
            w.close()
            return
        watcher = read_event(r, self._on_wakeup, persist=True, loop=self, ref=False)
        self._wakeup = (r, w, previous, watcher)

    def _uninstall_wakeup(self):
        import signal as _signal
        if self._wakeup is None:
            return
        r, w, previous, watcher = self._wakeup
        self._wakeup = None
        watcher.cancel()
        try:
            if _signal.set_wakeup_fd(previous) != w.fileno():
                # Someone else took the wake-up fd since: leave theirs in place.
                _signal.set_wakeup_fd(_signal.set_wakeup_fd(-1))
        except ValueError:
            pass
        r.close()
        w.close()

    def _on_wakeup(self, ev, evtype):
        r = self._wakeup[0] if self._wakeup is not None else None
        if r is not None:
            try:
                while r.recv(4096):
                    pass
            except OSError:
                pass
        try:
            PyErr_CheckSignals()
        except BaseException as exc:
            # A Python signal handler raised: as in a plain Python program, that
            # exception belongs to the main thread's code, not to this callback.
            handler = self.signal_error_handler
            if handler is None:
                self._stash(exc)
            else:
                handler(exc)

    def __repr__(self):
        if self._base == NULL:
            return f"<gcore.Loop at {id(self):#x} uninitialised>"
        kind = " default" if self.default else ""
        return (f"<gcore.Loop at {id(self):#x}{kind} method={self.method} "
                f"ref_count={self._nref} callbacks={len(self._callbacks)}>")


# libevent's own log lines (e.g. "[warn] Epoll ADD(1) on fd 7 failed", always
# followed by an error that gcore raises) go to the "gcore" logger instead of
# straight to stderr.
cdef void _log_cb(int severity, const char *msg) noexcept with gil:
    try:
        import logging
        level = logging.ERROR if severity >= EVENT_LOG_ERR else logging.DEBUG
        logging.getLogger("gcore").log(level, "libevent: %s", msg.decode("utf-8", "replace"))
    except BaseException:
        pass

event_set_log_callback(_log_cb)
