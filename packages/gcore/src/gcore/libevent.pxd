# The parts of libevent 2.1's C API that gcore uses, declared once.
# Each block mirrors one header of event2/; names are libevent's own.

cdef extern from "sys/time.h":
    struct timeval:
        long tv_sec
        long tv_usec


cdef extern from "event2/util.h" nogil:
    ctypedef int evutil_socket_t


cdef extern from "event2/event_struct.h" nogil:
    struct event_callback:
        short evcb_flags

    # Embedded by value in gcore.event, so that an event costs one allocation.
    struct c_event "event":
        event_callback ev_evcallback
        evutil_socket_t ev_fd
        short ev_events
        short ev_res


cdef extern from "event2/event-config.h":
    const char *EVENT__VERSION
    long EVENT__NUMERIC_VERSION


cdef extern from "event2/event.h" nogil:
    struct event_base
    struct event_config

    ctypedef void (*event_callback_fn)(evutil_socket_t, short, void *) noexcept

    enum:
        EV_TIMEOUT
        EV_READ
        EV_WRITE
        EV_SIGNAL
        EV_PERSIST
        EV_ET
        EV_CLOSED

        EVLOOP_ONCE
        EVLOOP_NONBLOCK
        EVLOOP_NO_EXIT_ON_EMPTY

        EVLIST_TIMEOUT "EVLIST_TIMEOUT"
        EVLIST_INSERTED "EVLIST_INSERTED"
        EVLIST_SIGNAL "EVLIST_SIGNAL"
        EVLIST_ACTIVE "EVLIST_ACTIVE"
        EVLIST_INTERNAL "EVLIST_INTERNAL"
        EVLIST_ACTIVE_LATER "EVLIST_ACTIVE_LATER"
        EVLIST_FINALIZING "EVLIST_FINALIZING"
        EVLIST_INIT "EVLIST_INIT"

        EVENT_BASE_FLAG_NOLOCK
        EVENT_BASE_FLAG_IGNORE_ENV
        EVENT_BASE_FLAG_PRECISE_TIMER

    ctypedef void (*event_log_cb)(int severity, const char *msg) noexcept
    void event_set_log_callback(event_log_cb cb)
    enum:
        EVENT_LOG_DEBUG
        EVENT_LOG_MSG
        EVENT_LOG_WARN
        EVENT_LOG_ERR

    const char *event_get_version()
    unsigned int event_get_version_number()

    event_config *event_config_new()
    void event_config_free(event_config *cfg)
    int event_config_avoid_method(event_config *cfg, const char *method)
    int event_config_set_flag(event_config *cfg, int flag)

    event_base *event_base_new()
    event_base *event_base_new_with_config(const event_config *cfg)
    void event_base_free(event_base *base)
    int event_reinit(event_base *base)
    int event_base_loop(event_base *base, int flags)
    int event_base_loopbreak(event_base *base)
    int event_base_got_break(event_base *base)
    const char *event_base_get_method(const event_base *base)
    const char **event_get_supported_methods()
    int event_base_gettimeofday_cached(event_base *base, timeval *tv)
    int event_base_update_cache_time(event_base *base)
    int event_base_get_num_events(event_base *base, unsigned int flags)
    int event_base_priority_init(event_base *base, int npriorities)
    const timeval *event_base_init_common_timeout(event_base *base, const timeval *duration)

    int event_assign(c_event *ev, event_base *base, evutil_socket_t fd, short events,
                     event_callback_fn callback, void *arg)
    int event_add(c_event *ev, const timeval *timeout)
    int event_del(c_event *ev)
    void event_active(c_event *ev, int res, short ncalls)
    int event_pending(const c_event *ev, short events, timeval *tv)
    int event_priority_set(c_event *ev, int priority)
    event_callback_fn event_get_callback(const c_event *ev)
    void *event_get_callback_arg(const c_event *ev)
    ctypedef int (*event_base_foreach_event_cb)(const event_base *, const c_event *, void *) noexcept
    int event_base_foreach_event(event_base *base, event_base_foreach_event_cb fn, void *arg)
    evutil_socket_t event_get_fd(const c_event *ev)
    short event_get_events(const c_event *ev)
