"""Small helpers from the 0.13 reference's ``gevent.util``."""

from __future__ import annotations

__all__ = ["wrap_errors"]


class wrap_errors:
    """Call a function, returning the errors of the given types instead of raising them.

    ``wrap_errors(ValueError, int)("x")`` returns the ``ValueError`` instance.
    Handy for link targets and pool workers whose failures are results.
    """

    def __init__(self, errors, func):
        self.errors = errors
        self.func = func

    def __call__(self, *args, **kwargs):
        try:
            return self.func(*args, **kwargs)
        except self.errors as ex:
            return ex

    def __str__(self):
        return str(self.func)

    def __repr__(self):
        return repr(self.func)

    def __getattr__(self, item):
        return getattr(self.func, item)
