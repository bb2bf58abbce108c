"""Cooperative ``subprocess.Popen``: what ``patch_subprocess`` installs.

How it works
------------

``Popen`` opens its pipes with ``io.open(fd, mode, bufsize)`` (and wraps
them in ``io.TextIOWrapper`` for text), looking ``io`` up in the
``subprocess`` module's globals. ``patch_subprocess`` puts there
``gnet.subprocess.cooperative_io()``: a copy of the ``io`` namespace whose
``open`` makes, for a file descriptor, a ``gnet.subprocess.CooperativeFileIO``
whose reads and writes first wait for the pipe in the hub.
``p.stdout.read()``, ``p.stdin.write()``, ``p.communicate()`` (which also
uses the patched ``selectors``) then block only the calling greenlet, and
the objects keep their types (``io.BufferedReader``, ``io.FileIO``...).

:class:`Popen` waits with the cooperative ``gnet.os.waitpid`` even when
``os`` itself is not patched. Unlike ``gnet.subprocess.Popen`` (which runs
the stdlib's code on cooperative copies of ``subprocess``'s globals, for
programs that do not patch), it looks everything up in the patched
``subprocess`` module itself, as the stdlib's code does.
"""

from __future__ import annotations

import os
import subprocess as _subprocess

from gnet import os as _gos
from gnet.subprocess import CooperativeFileIO, cooperative_io

__all__ = ["CooperativeFileIO", "cooperative_io", "Popen"]
__implements__ = ["Popen", "io"]

_blocking_waitpid = _gos._waitpid
_cooperative_waitpid = _gos.waitpid


class Popen(_subprocess.Popen):
    """``subprocess.Popen`` whose pipes and waits block the calling greenlet only."""

    def _try_wait(self, wait_flags):
        waitpid = os.waitpid   # looked up now, as the original does (tests mock it)
        if waitpid is _blocking_waitpid:
            waitpid = _cooperative_waitpid
        try:
            (pid, sts) = waitpid(self.pid, wait_flags)
        except ChildProcessError:
            # As the original: with SIGCHLD ignored, the kernel reaps the child itself
            # and its exit status is gone; report it as 0.
            pid = self.pid
            sts = 0
        return (pid, sts)


Popen.__module__ = "subprocess"
Popen.__qualname__ = "Popen"
