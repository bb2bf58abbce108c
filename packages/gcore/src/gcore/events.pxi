# event and its kinds: read/write/readwrite, timer, signal, active_event.

from libc.limits cimport INT_MAX
from posix.fcntl cimport F_GETFD, fcntl

cdef int _NSIG = 65
try:
    import signal as _signal_mod
    _NSIG = _signal_mod.NSIG
except (ImportError, AttributeError):
    pass

_EV_NAMES = (
    (EV_TIMEOUT, "EV_TIMEOUT"), (EV_READ, "EV_READ"), (EV_WRITE, "EV_WRITE"),
    (EV_SIGNAL, "EV_SIGNAL"), (EV_PERSIST, "EV_PERSIST"), (EV_ET, "EV_ET"),
    (EV_CLOSED, "EV_CLOSED"),
)
_EVLIST_NAMES = (
    (EVLIST_TIMEOUT, "EVLIST_TIMEOUT"), (EVLIST_INSERTED, "EVLIST_INSERTED"),
    (EVLIST_SIGNAL, "EVLIST_SIGNAL"), (EVLIST_ACTIVE, "EVLIST_ACTIVE"),
    (EVLIST_INTERNAL, "EVLIST_INTERNAL"), (EVLIST_ACTIVE_LATER, "EVLIST_ACTIVE_LATER"),
    (EVLIST_FINALIZING, "EVLIST_FINALIZING"), (EVLIST_INIT, "EVLIST_INIT"),
)


cdef str _bits_str(int value, names):
    parts = []
    for bit, name in names:
        if value & bit:
            parts.append(name)
            value &= ~bit
    if value:
        parts.append(hex(value))
    return "|".join(parts)


cdef int _handle_fd(object handle) except -1:
    """The file descriptor of an int or of an object with ``fileno()``."""
    cdef long fd
    if isinstance(handle, int):
        fd = handle
    else:
        fileno = getattr(handle, "fileno", None)
        if fileno is None:
            raise TypeError(
                f"argument must be an int, or have a fileno() method, not {type(handle).__name__}")
        fd = fileno()
    if fd < 0:
        raise ValueError(f"file descriptor cannot be a negative integer ({fd})")
    if fd > INT_MAX:
        raise OverflowError(f"file descriptor is too large ({fd})")
    # Only epoll refuses a closed fd in event_add(); poll and select (EVENT_NOEPOLL=1...)
    # would take it and fail later, select for every event of the loop.
    if fcntl(<int>fd, F_GETFD) == -1:
        raise _oserror(f"file descriptor {fd}")
    return fd


cdef int _check_signum(object signalnum) except -1:
    cdef long num
    if not isinstance(signalnum, int):
        raise TypeError(f"signal number must be an int, not {type(signalnum).__name__}")
    num = signalnum
    if num < 1 or num >= _NSIG:
        raise ValueError("signal number out of range")
    return num


cdef void _event_trampoline(evutil_socket_t fd, short evtype, void *arg) noexcept with gil:
    # ``self`` is a new reference for the duration of the call: releasing
    # the event's hold on itself below cannot free it under our feet.
    cdef event self = <event>arg
    self.loop._dispatched += 1
    if not (self._ev.ev_events & EV_PERSIST):
        self._release()
    try:
        self._call(evtype)
    except BaseException:
        self.loop._report_error(self)


cdef class event:
    """event(evtype, handle, callback, arg=None, *, loop=None, ref=True)
--

    An event: call ``callback(event, evtype)`` when ``handle`` is ready.

    ``evtype`` is a mask of ``EV_READ``/``EV_WRITE`` (``handle`` is then a
    file descriptor or an object with ``fileno()``), or ``EV_SIGNAL``
    (``handle`` is a signal number), optionally with ``EV_PERSIST``. The event
    does nothing until :meth:`add`. The callback gets the event and the mask
    of what happened (``EV_TIMEOUT`` when the timeout given to :meth:`add`
    passed first).

    Lifetime: while pending the event keeps itself, its callback and ``arg``
    alive; a fired one-shot event, a cancelled one and one never added hold no
    reference to themselves. Using it as a context manager cancels it on exit.
    ``ref=False`` makes a pending event not keep :meth:`Loop.run` running.
    """

    # (The fields are declared in _gcore.pxd, with _hold() and _release().)

    def __init__(self, short evtype, handle, callback, arg=None, *, Loop loop=None,
                 bint ref=True):
        cdef int fd
        if evtype & EV_SIGNAL:
            fd = _check_signum(handle)
        else:
            fd = _handle_fd(handle)
        self._setup(loop, fd, evtype, callback, arg, ref)

    cdef int _setup(self, Loop loop, int fd, short evtype, object callback, object arg,
                    bint ref) except -1:
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._held:
            raise RuntimeError("cannot re-initialise a pending event")
        if loop is None:
            loop = get_default_loop()
        loop._check()
        if event_assign(&self._ev, loop._base, fd, evtype, _event_trampoline, <void *>self) != 0:
            raise _oserror("event_assign")
        self.loop = loop
        self._callback = callback
        self._arg = arg
        self._ref = ref
        self._assigned = True
        return 0

    cdef _call(self, short evtype):
        self._callback(self, evtype)

    cpdef add(self, timeout=None):
        """Schedule the event, with an optional timeout in seconds (``None``: none).

        Raises ``ValueError`` for a negative timeout and ``OSError`` when
        libevent refuses the event (a closed file descriptor, for example).
        """
        cdef timeval tv
        cdef timeval *ptv = NULL
        if not self._assigned:
            raise RuntimeError("event is not initialised")
        if timeout is None and self._held and not (self._ev.ev_evcallback.evcb_flags
                                                   & EVLIST_TIMEOUT):
            # Already pending, without a timeout: event_add() would change
            # nothing (the wait of a socket's persistent event, every time).
            return
        if timeout is not None:
            _to_timeval(timeout, &tv)
            ptv = &tv
        _clear_errno()
        if event_add(&self._ev, ptv) != 0:
            raise _oserror(f"event_add({self._ev.ev_fd})")
        self._hold()

    cpdef cancel(self):
        """Remove the event from the loop; return libevent's result code (0: done)."""
        cdef int rc = 0
        if self._assigned and self._held:
            rc = event_del(&self._ev)
        self._release()
        return rc

    @property
    def pending(self):
        """True while the event is scheduled (added and not yet fired or cancelled)."""
        return self._held

    @property
    def callback(self):
        return self._callback

    @property
    def arg(self):
        return self._arg

    @property
    def fd(self):
        return self._ev.ev_fd

    @property
    def events(self):
        return self._ev.ev_events

    @property
    def events_str(self):
        return _bits_str(self._ev.ev_events, _EV_NAMES)

    @property
    def flags(self):
        return self._ev.ev_evcallback.evcb_flags

    @property
    def flags_str(self):
        return _bits_str(self._ev.ev_evcallback.evcb_flags, _EVLIST_NAMES)

    @property
    def ref(self):
        """Whether this event, while pending, keeps :meth:`Loop.run` running."""
        return self._ref

    @ref.setter
    def ref(self, bint value):
        if value == self._ref:
            return
        if self._held:
            self.loop._nref += 1 if value else -1
        self._ref = value

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.cancel()

    def __dealloc__(self):
        # Only reachable when not pending (a pending event holds itself).
        if self._assigned and self.loop is not None and self.loop._base != NULL:
            event_del(&self._ev)

    cdef str _describe(self):
        parts = [f"<gcore.{type(self).__name__} at {id(self):#x}"]
        if self._held:
            parts.append("pending")
        if self._ev.ev_events & EV_SIGNAL:
            parts.append(f"signal={self._ev.ev_fd}")
        elif self._ev.ev_fd >= 0:
            parts.append(f"fd={self._ev.ev_fd}")
        if self._ev.ev_events:
            parts.append(self.events_str)
        parts.append(f"flags={self.flags_str or 0}")
        parts.append(self._describe_callback())
        return " ".join(parts) + ">"

    cdef str _describe_callback(self):
        text = f"callback={self._callback!r}"
        if self._arg is not None:
            text += f" arg={self._arg!r}"
        return text

    def __repr__(self):
        return self._describe()

    def __str__(self):
        return self._describe()


cdef class read_event(event):
    """read_event(handle, callback, timeout=None, arg=None, persist=False, *, loop=None, ref=True)
--

    ``read_event(handle, callback, timeout=None, arg=None, persist=False)``: added at once."""

    def __init__(self, handle, callback, timeout=None, arg=None, persist=False, *,
                 Loop loop=None, bint ref=True):
        self._setup(loop, _handle_fd(handle), EV_READ | (EV_PERSIST if persist else 0),
                    callback, arg, ref)
        self.add(timeout)


cdef class write_event(event):
    """write_event(handle, callback, timeout=None, arg=None, persist=False, *, loop=None, ref=True)
--

    ``write_event(handle, callback, timeout=None, arg=None, persist=False)``: added at once."""

    def __init__(self, handle, callback, timeout=None, arg=None, persist=False, *,
                 Loop loop=None, bint ref=True):
        self._setup(loop, _handle_fd(handle), EV_WRITE | (EV_PERSIST if persist else 0),
                    callback, arg, ref)
        self.add(timeout)


cdef class readwrite_event(event):
    """readwrite_event(handle, callback, timeout=None, arg=None, persist=False, *, loop=None, ref=True)
--

    ``readwrite_event(handle, callback, timeout=None, arg=None, persist=False)``: added at once."""

    def __init__(self, handle, callback, timeout=None, arg=None, persist=False, *,
                 Loop loop=None, bint ref=True):
        self._setup(loop, _handle_fd(handle),
                    EV_READ | EV_WRITE | (EV_PERSIST if persist else 0), callback, arg, ref)
        self.add(timeout)


cdef class _call_event(event):
    """Base of the events whose callback gets ``*args, **kwargs`` instead of ``(event, evtype)``."""

    cdef _call(self, short evtype):
        if self._kwargs:
            self._callback(*self._args, **self._kwargs)
        else:
            self._callback(*self._args)

    @property
    def args(self):
        return self._args

    @property
    def kwargs(self):
        # (None for a timer made by Loop._start_timer, which takes no keywords.)
        return self._kwargs if self._kwargs is not None else {}

    @property
    def arg(self):
        return (self._callback, self._args, self.kwargs)

    cdef str _describe_callback(self):
        text = f"callback={self._callback!r}"
        if self._args:
            text += f" args={self._args!r}"
        if self._kwargs:
            text += f" kwargs={self._kwargs!r}"
        return text


cdef class timer(_call_event):
    """timer(seconds, callback, *args, loop=None, ref=True, **kwargs)
--

    ``timer(seconds, callback, *args, **kwargs)``: call ``callback(*args, **kwargs)`` once, later.

    Scheduled at once. ``timer(0, ...)`` runs in the next loop iteration, after
    the :class:`active_event` callbacks of this one.
    """

    def __init__(self, seconds, callback, *args, Loop loop=None, bint ref=True, **kwargs):
        cdef timeval tv
        _to_timeval(seconds, &tv)   # validate before anything is set up
        self._setup(loop, -1, 0, callback, None, ref)
        self._args = args
        self._kwargs = kwargs
        if event_add(&self._ev, &tv) != 0:
            raise _oserror("event_add(timer)")
        self._hold()


cdef class signal(_call_event):
    """signal(signalnum, callback, *args, loop=None, ref=True, **kwargs)
--

    ``signal(signalnum, callback, *args, **kwargs)``: a persistent signal event.

    Calls ``callback(*args, **kwargs)`` on every delivery of the signal until
    cancelled. Raises ``ValueError`` for a signal number out of range.
    """

    def __init__(self, signalnum, callback, *args, Loop loop=None, bint ref=True, **kwargs):
        if loop is None:
            loop = get_default_loop()
        if not loop.default:
            # libevent delivers signals to one event_base per process only: a
            # second loop's signal events would silently steal the first's.
            raise ValueError("signal events can only be added to the default loop")
        self._setup(loop, _check_signum(signalnum), EV_SIGNAL | EV_PERSIST, callback, None, ref)
        self._args = args
        self._kwargs = kwargs
        self.add()


cdef class active_event(_call_event):
    """active_event(callback, *args, loop=None, ref=True, **kwargs)
--

    ``active_event(callback, *args, **kwargs)``: run the callback in this loop iteration.

    It runs before any ``timer(0, ...)`` added at the same time.
    """

    def __init__(self, callback, *args, Loop loop=None, bint ref=True, **kwargs):
        self._setup(loop, -1, 0, callback, None, ref)
        self._args = args
        self._kwargs = kwargs
        self.add()

    cpdef add(self, timeout=None):
        """Make the event active again (``timeout`` is ignored)."""
        event_active(&self._ev, EV_TIMEOUT, 1)
        self._hold()


# -- gevent's watcher API: Loop.timer() and Loop.io() ---------------------------------
#
# What libraries written for today's gevent call on ``get_hub().loop``: a watcher
# is made inactive, started with its callback (``start(callback, *args)``) and
# stopped (``stop()``) as often as needed. Both kinds are events of this
# module underneath (one libevent event each).

# gevent's (libev's) event bits, which loop.io() takes and reports: not libevent's.
GEVENT_READ = 1
GEVENT_WRITE = 2


def _unset_callback(*args):
    """The callback of a watcher that is not started (never called)."""


cdef class watcher(event):
    """Base of what :meth:`Loop.timer` and :meth:`Loop.io` return (gevent's watcher API).

    ``start(callback, *args)`` arms it to call ``callback(*args)`` in the
    loop (starting a started watcher re-arms it with the new callback);
    ``stop()`` disarms it and drops the callback; ``close()`` stops it for
    good (``ValueError`` if it is started again). ``active`` is True while it
    is armed; ``ref`` (settable) and the context manager (stops on exit) are
    :class:`event`'s. ``priority`` is accepted and ignored.
    """

    cdef tuple _wargs
    cdef bint _closed
    cdef object _priority

    cdef int _setup_watcher(self, Loop loop, int fd, short evtype, bint ref,
                            priority) except -1:
        self._setup(loop, fd, evtype, _unset_callback, None, ref)
        self._wargs = ()
        self._priority = priority
        return 0

    cdef _call(self, short evtype):
        self._callback(*self._wargs)

    cdef int _arm(self, callback, tuple args, timeout) except -1:
        if self._closed:
            raise ValueError(f"{type(self).__name__} watcher is closed")
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self._callback = callback
        self._wargs = args
        self.add(timeout)
        return 0

    def stop(self):
        """Disarm the watcher (no error if it is not armed) and forget its callback."""
        self.cancel()
        self._callback = _unset_callback
        self._wargs = ()

    def close(self):
        """Stop the watcher for good."""
        self.stop()
        self._closed = True

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def active(self):
        """True while the watcher is armed (started, not stopped, a timer not yet fired)."""
        return self._held

    @property
    def closed(self):
        return self._closed

    @property
    def args(self):
        return self._wargs

    @property
    def priority(self):
        return self._priority

    @priority.setter
    def priority(self, value):
        self._priority = value


cdef class timer_watcher(watcher):
    """``loop.timer(after, repeat=0.0, ref=True, priority=None)``: gevent's timer watcher.

    ``start(callback, *args, update=None)`` calls ``callback(*args)``
    ``after`` seconds later, then every ``repeat`` seconds if ``repeat`` is
    positive, until stopped (``update``: refresh the loop's cached time
    first). ``again(callback, *args)`` re-arms it (``repeat`` seconds, or
    ``after`` when ``repeat`` is 0). ``ValueError``/``TypeError`` for bad
    seconds.
    """

    cdef object _after
    cdef object _repeat

    def __init__(self, Loop loop not None, after=0.0, repeat=0.0, bint ref=True,
                 priority=None):
        cdef timeval tv
        _to_timeval(after, &tv)
        _to_timeval(repeat, &tv)
        self._setup_watcher(loop, -1, 0, ref, priority)
        self._after = after
        self._repeat = repeat

    cdef _call(self, short evtype):
        if self._repeat > 0:
            self.add(self._repeat)
        self._callback(*self._wargs)

    def start(self, callback, *args, update=None):
        if update:
            event_base_update_cache_time(self.loop._base)
        self._arm(callback, args, self._after)

    def again(self, callback, *args, update=None):
        if update:
            event_base_update_cache_time(self.loop._base)
        self._arm(callback, args, self._repeat if self._repeat > 0 else self._after)

    @property
    def after(self):
        return self._after

    @property
    def repeat(self):
        return self._repeat


cdef class io_watcher(watcher):
    """``loop.io(fd, events, ref=True, priority=None)``: gevent's I/O watcher.

    ``events`` is gevent's mask: ``1`` (read), ``2`` (write) or ``3`` (both)
    — not libevent's ``EV_READ``/``EV_WRITE``. ``fd`` is a descriptor or an
    object with ``fileno()``. ``start(callback, *args, pass_events=False)``
    calls ``callback(*args)`` (``callback(events, *args)`` with
    ``pass_events``, the events in gevent's mask) each time the descriptor is
    ready, until stopped. ``ValueError`` for another ``events``.
    """

    cdef bint _pass_events
    cdef int _gevents

    def __init__(self, Loop loop not None, fd, int events, bint ref=True, priority=None):
        cdef short evtype = EV_PERSIST
        if events < 1 or events > 3:
            raise ValueError(
                f"events must be 1 (read), 2 (write) or 3 (both), gevent's values, not {events}")
        if events & GEVENT_READ:
            evtype |= EV_READ
        if events & GEVENT_WRITE:
            evtype |= EV_WRITE
        self._setup_watcher(loop, _handle_fd(fd), evtype, ref, priority)
        self._gevents = events

    cdef _call(self, short evtype):
        cdef int happened
        if self._pass_events:
            happened = 0
            if evtype & EV_READ:
                happened |= GEVENT_READ
            if evtype & EV_WRITE:
                happened |= GEVENT_WRITE
            self._callback(happened, *self._wargs)
        else:
            self._callback(*self._wargs)

    def start(self, callback, *args, pass_events=False):
        self._pass_events = bool(pass_events)
        self._arm(callback, args, None)

    @property
    def events(self):
        """The events watched, in gevent's mask (1 read, 2 write)."""
        return self._gevents
