# Loop.run_callback_threadsafe: wake a loop from another thread and run a callback in it.
#
# How it works: every Loop owns a wake-up descriptor (an eventfd on Linux, a
# non-blocking pipe elsewhere) that it watches with one persistent read event
# (not counted by ref_count), and a list of callbacks sent from other threads.
# A sender, holding the GIL, appends its callback to that list and, only when
# the list was empty, writes to the descriptor: the loop wakes, drains the
# descriptor, swaps the list for an empty one and queues what it took on its
# ordinary callback queue (run_callback), in the loop's own thread. No
# polling, and a burst of sends costs one wake-up.
#
# Why this is safe without libevent's locks (evthread_use_pthreads would lock
# every event_add of every loop): the list append, the emptiness test and the
# write are C calls made with the GIL held, so a sender and the loop's swap
# never interleave; the only libevent object touched from another thread is
# the descriptor, through write(2). A write that lands between the loop's
# drain and its swap only causes one spurious, harmless wake-up.
#
# A callback sent this way does not keep Loop.run() going (a loop that may be
# woken from elsewhere takes Loop.ref() itself, as the thread pools do).
# After os.fork(), Loop.reinit() gives the child a fresh descriptor.

from posix.unistd cimport close, read, write

cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #include <stdint.h>
    #include <unistd.h>
    #ifdef __linux__
    #include <sys/eventfd.h>
    #endif

    /* Open a wake-up descriptor: fds[0] is read by the loop, fds[1] written by senders. */
    static int gcore_wakefd_open(int *fds) {
    #ifdef __linux__
        int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) return -1;
        fds[0] = fds[1] = fd;
        return 0;
    #else
        int i;
        if (pipe(fds) != 0) return -1;
        for (i = 0; i < 2; i++) {
            if (fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK) != 0 ||
                fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
                close(fds[0]); close(fds[1]);
                return -1;
            }
        }
        return 0;
    #endif
    }

    static void gcore_wakefd_close(int *fds) {
        if (fds[0] >= 0) close(fds[0]);
        if (fds[1] >= 0 && fds[1] != fds[0]) close(fds[1]);
        fds[0] = fds[1] = -1;
    }

    /* Wake the loop: 8 bytes, what an eventfd needs; a pipe takes them as they are. */
    static void gcore_wakefd_send(int fd) {
        uint64_t one = 1;
        ssize_t n;
        do { n = write(fd, &one, sizeof(one)); } while (n < 0 && errno == EINTR);
        /* EAGAIN: the descriptor is already readable, which is all a wake-up needs. */
    }

    static void gcore_wakefd_drain(int fd) {
        char buf[64];
        ssize_t n;
        do { n = read(fd, buf, sizeof(buf)); } while (n > 0 || (n < 0 && errno == EINTR));
    }
    """
    int gcore_wakefd_open(int *fds) nogil
    void gcore_wakefd_close(int *fds) nogil
    void gcore_wakefd_send(int fd) nogil
    void gcore_wakefd_drain(int fd) nogil


cdef void _threadsafe_cb(evutil_socket_t fd, short evtype, void *arg) noexcept with gil:
    cdef Loop loop = <Loop>arg
    cdef list batch
    try:
        gcore_wakefd_drain(loop._ts_fds[0])
        batch = loop._ts_pending
        if not batch:
            return
        loop._ts_pending = []
        loop._callbacks.extend(batch)
        if not loop._cb_scheduled:
            loop._cb_scheduled = True
            event_active(&loop._cb_ev, EV_TIMEOUT, 1)
    except BaseException:
        loop._report_error(loop)


cdef int _threadsafe_open(Loop loop) except -1:
    """Open ``loop``'s wake-up descriptor and watch it (in the loop's thread)."""
    _clear_errno()
    if gcore_wakefd_open(loop._ts_fds) != 0:
        raise _oserror("the loop's wake-up descriptor (eventfd or pipe)")
    event_assign(&loop._ts_ev, loop._base, loop._ts_fds[0], EV_READ | EV_PERSIST,
                 _threadsafe_cb, <void *>loop)
    if event_add(&loop._ts_ev, NULL) != 0:
        gcore_wakefd_close(loop._ts_fds)
        raise _oserror("event_add(wake-up descriptor)")
    return 0


cdef void _threadsafe_close(Loop loop) noexcept:
    if loop._ts_fds[0] >= 0:
        event_del(&loop._ts_ev)
        gcore_wakefd_close(loop._ts_fds)


cdef int _threadsafe_send(Loop loop, callback cb) except -1:
    # The GIL is held from the append to the write: see the top of this file.
    cdef list pending = loop._ts_pending
    pending.append(cb)
    if len(pending) == 1 and loop._ts_fds[1] >= 0:
        gcore_wakefd_send(loop._ts_fds[1])
    return 0
