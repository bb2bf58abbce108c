"""Small helpers from the 0.13 reference's ``gevent.util``.

:class:`wrap_errors` turns the exceptions of chosen types into return
values, which makes a failing call a result (handy for greenlet functions,
link targets and pool workers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

_T = TypeVar("_T")

__all__ = ["wrap_errors", "lazy_property"]


def _is_error_types(errors: object) -> bool:
    if isinstance(errors, type):
        return issubclass(errors, BaseException)
    if isinstance(errors, tuple):
        return all(_is_error_types(e) for e in errors)
    return False


class wrap_errors(Generic[_T]):
    """Call a function, returning the errors of the given types instead of raising them.

    ``wrap_errors(ValueError, int)("x")`` returns the ``ValueError`` instance.
    ``errors`` is an exception class or a tuple of them (as in ``except``).
    It looks like the function it wraps (``str``, ``repr``, attributes).
    ``TypeError`` for a non-callable function or bad ``errors``.
    """

    def __init__(self, errors: type[BaseException] | tuple[type[BaseException], ...],
                 func: Callable[..., _T]) -> None:
        if not _is_error_types(errors):
            raise TypeError(f"errors must be an exception class or a tuple of them, not {errors!r}")
        if not callable(func):
            raise TypeError(f"func must be callable, not {type(func).__name__}")
        self.errors = errors
        self.func = func

    def __call__(self, *args: Any, **kwargs: Any) -> _T | BaseException:
        try:
            return self.func(*args, **kwargs)
        except self.errors as ex:
            return ex

    def __str__(self) -> str:
        return str(self.func)

    def __repr__(self) -> str:
        return repr(self.func)

    def __getattr__(self, item: str) -> Any:
        return getattr(self.func, item)


class lazy_property(Generic[_T]):  # noqa: N801  (0.13's name)
    """A property computed by ``function(self)`` at the first access, then stored.

    The value is kept in the instance's ``__dict__`` under the function's
    name, so later accesses are plain attribute lookups (0.13's
    ``util.lazy_property``, deprecated there; kept for the code that uses it).
    """

    def __init__(self, function: Callable[[Any], _T]) -> None:
        self._function = function
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy_property[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object, owner: type | None = None) -> _T | lazy_property[_T]:
        if instance is None:
            return self
        value = self._function(instance)
        instance.__dict__[self.__name__] = value
        return value
