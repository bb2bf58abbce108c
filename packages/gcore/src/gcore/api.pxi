# The 0.13 reference's module-level API, on the default loop.

cdef Loop _default_loop = None


def get_default_loop():
    """The default loop (created on first use), used by the module-level functions."""
    global _default_loop
    if _default_loop is None:
        _default_loop = Loop(default=True)
    return _default_loop


def init():
    """Initialise the event queue (the default loop)."""
    get_default_loop()


def dispatch():
    """Run the default loop until no events are left.

    Returns 0 on success and 1 if no events are registered; raises ``OSError``.
    """
    return get_default_loop().run()


def loop(nonblock=False):
    """Run the default loop once: wait for events (unless ``nonblock``) and run them.

    Returns 0 on success and 1 if no events are registered; raises ``OSError``.
    """
    return get_default_loop().run(once=True, nonblock=nonblock)


def get_version():
    """The version of the libevent library in use (``event_get_version()``)."""
    return event_get_version().decode()


def get_header_version():
    """The version of the libevent headers gcore was compiled with."""
    return EVENT__VERSION.decode()


def get_method():
    """The back-end the default loop uses (``"epoll"``, ``"poll"``...)."""
    return get_default_loop().method


def supported_methods():
    """The back-ends this libevent supports, in its order of preference."""
    cdef const char **methods = event_get_supported_methods()
    result = []
    cdef int i = 0
    while methods[i] != NULL:
        result.append(methods[i].decode())
        i += 1
    return result


def reinit():
    """Re-initialise the default loop after ``os.fork()`` (``event_reinit``)."""
    get_default_loop().reinit()
