"""The blocking detector: an opt-in thread that reports a hub kept from running, and by what.

How it works
------------

A greenlet that blocks without yielding (a ``time.sleep`` that nothing made
cooperative, a long computation, a C call that waits) stops every other
greenlet of its thread: they only run when the hub does. :func:`start_monitor`
arms a *heartbeat* on the hub's loop, a timer every ``threshold / 2``
seconds that records the time (it does not keep the loop alive: it is not
counted for :class:`~ghub.hub.LoopExit`), and starts one OS thread that
wakes up every ``threshold / 2`` seconds. When the last heartbeat is older
than ``threshold`` and the hub has started, the loop cannot be running: the
thread prints which greenlet runs instead and its stack (``sys._current_frames()``),
once per stall, to ``file`` (default ``sys.stderr``).

The heartbeat is a timer, so what it measures is how long the loop has
not polled for I/O and timers: greenlets that keep yielding with
``sleep(0)`` run from the loop's callback queue, which polls again only
every ``Loop.callback_batch`` callbacks; if that takes longer than the
threshold, sockets and timers starve, and that is reported too (naming the
greenlet running at that moment).

It costs one timer callback in the hub every ``threshold / 2`` seconds and
the monitor thread's wake-ups; nothing on the switch path
(docs/reliability.md has the figures). A stall shorter than ``threshold`` is
never reported; one up to ``1.5 * threshold`` long may not be.

Turn it on with ``ghub.monitor.start_monitor(0.1)``, or for every hub a
program makes by setting the environment variable ``GSTACK_BLOCKING_THRESHOLD``
to the threshold in seconds (``GSTACK_BLOCKING_THRESHOLD=0.1 python app.py``).
The monitor thread is a real OS thread even under ``gmonkey``: this module
takes ``_thread``'s functions when ghub is imported, before anything is
patched. A process forked after :func:`start_monitor` has no monitor thread.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from _thread import allocate_lock as _allocate_lock
from _thread import start_new_thread as _start_new_thread
from time import monotonic as _monotonic

from greenlet import greenlet as _greenlet

import gcore
from ghub import checks

__all__ = ["Monitor", "start_monitor", "ENV_VAR"]

ENV_VAR = "GSTACK_BLOCKING_THRESHOLD"


class Monitor:
    """A blocking detector watching one hub; made by :func:`start_monitor`.

    ``reports`` counts the stalls reported so far; :meth:`stop` ends the
    monitor thread and the heartbeat.
    """

    def __init__(self, hub, threshold, file=None):
        self.hub = hub
        self.threshold = threshold
        self.file = file
        self.reports = 0
        self._period = threshold / 2
        self._last = _monotonic()
        self._reported = None       # the heartbeat time of the stall already reported
        self._stopping = _allocate_lock()
        self._stopping.acquire()
        self._done = _allocate_lock()
        self._done.acquire()
        self._timer = None
        self._beat()
        _start_new_thread(self._watch, ())

    def _beat(self):
        # In the hub: record that the loop runs, and arm the next heartbeat.
        self._last = _monotonic()
        if not self._stopping.locked():
            return
        self._timer = gcore.timer(self._period, self._beat, loop=self.hub.loop, ref=False)

    def _watch(self):
        try:
            while not self._stopping.acquire(True, self._period):
                last = self._last
                if _monotonic() - last > self.threshold and last != self._reported:
                    hub = self.hub
                    if hub and not hub.dead:   # started: its loop should be running
                        self._reported = last
                        self.report(_monotonic() - last)
        finally:
            self._done.release()

    def report(self, stalled):
        """Print the greenlet keeping the hub from running and its stack (the monitor thread)."""
        hub = self.hub
        frame = sys._current_frames().get(hub.thread_ident)
        culprit = _running_greenlet(hub)
        lines = [f"gstack: the hub {hub!r} has not run for {stalled:.3f} s "
                 f"(threshold {self.threshold} s): {culprit!r} is blocking it\n"]
        if frame is not None:
            lines.append("Its stack (most recent call last):\n")
            lines.extend(traceback.format_stack(frame))
        file = self.file if self.file is not None else sys.stderr
        file.write("".join(lines))
        file.flush()
        self.reports += 1

    def stop(self):
        """Stop watching: the monitor thread ends (waited for) and the heartbeat is cancelled.

        Call it from the hub's thread. Stopping twice does nothing.
        """
        if not self._stopping.locked():
            return
        self._stopping.release()
        self._done.acquire()
        self._done.release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if getattr(self.hub, "_monitor", None) is self:
            self.hub._monitor = None

    def __repr__(self):
        state = "stopped" if not self._stopping.locked() else "watching"
        return f"<Monitor {state} {self.hub!r} threshold={self.threshold}>"


def _running_greenlet(hub):
    """The greenlet running in ``hub``'s thread, or its best guess (only when reporting).

    Seen from another thread, the running greenlet is one of those of the
    hub's thread that are started, not dead and have no saved Python frame:
    a greenlet suspended inside compiled code (the hub itself, in the loop)
    has none either, so the hub is the answer only when nobody else is left.
    """
    root = hub.parent
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, _greenlet) and obj and obj.gr_frame is None and obj is not hub:
            top = obj
            while top.parent is not None:
                top = top.parent
            if top is root:
                found.append(obj)
    if not found:
        return hub
    return found[0] if len(found) == 1 else found


def start_monitor(threshold=0.1, hub=None, file=None):
    """Watch ``hub`` (default: this thread's) and report stalls longer than ``threshold`` seconds.

    Returns the :class:`Monitor`; a hub has at most one, and starting it
    again returns the running one. Reports go to ``file`` (default:
    ``sys.stderr`` at the time of the report). ``ValueError`` if
    ``threshold`` is not a positive number of seconds.
    """
    threshold = checks.seconds(threshold, "threshold")
    if not threshold > 0:
        raise ValueError(f"threshold must be a positive number of seconds, not {threshold!r}")
    if hub is None:
        from ghub.hub import get_hub
        hub = get_hub()
    monitor = getattr(hub, "_monitor", None)
    if monitor is not None:
        return monitor
    monitor = Monitor(hub, threshold, file)
    hub._monitor = monitor
    return monitor


def threshold_from_environment():
    """The threshold set by ``GSTACK_BLOCKING_THRESHOLD``, or None (unset, empty or 0)."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    try:
        threshold = float(value)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be a number of seconds, not {value!r}") from None
    return threshold if threshold > 0 else None
