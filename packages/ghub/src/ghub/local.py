"""Greenlet-local storage, with the ``threading.local`` API.

Each greenlet (and each thread's main greenlet) sees its own attributes:
the object keeps one dict per greenlet in a ``WeakKeyDictionary`` keyed by
the greenlet, and every attribute access looks up the current greenlet's.
A subclass's ``__init__`` runs once per greenlet, on that greenlet's first
access, with the arguments given to the constructor — as ``threading.local``
does for threads. A greenlet's values are dropped when it is collected.
Class attributes, methods and properties are shared, as with
``threading.local``.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from greenlet import getcurrent

__all__ = ["local"]


class _Impl:
    __slots__ = ("dicts", "args", "kwargs")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.dicts: WeakKeyDictionary[Any, dict[str, Any]] = WeakKeyDictionary()
        self.args = args
        self.kwargs = kwargs


class local:
    """An object whose attributes are private to each greenlet."""

    __slots__ = ("_local__impl", "__weakref__")

    def __new__(cls, *args: Any, **kwargs: Any) -> local:
        if (args or kwargs) and cls.__init__ is object.__init__:
            raise TypeError("Initialization arguments are not supported")
        self = object.__new__(cls)
        impl = _Impl(args, kwargs)
        object.__setattr__(self, "_local__impl", impl)
        # The creating greenlet's dict exists already: the constructor call runs
        # __init__ for it, as threading.local does for the creating thread.
        impl.dicts[getcurrent()] = {}
        return self

    def _local__dict(self) -> dict[str, Any]:
        impl = object.__getattribute__(self, "_local__impl")
        current = getcurrent()
        try:
            return impl.dicts[current]
        except KeyError:
            pass
        d = impl.dicts[current] = {}
        cls = type(self)
        if cls.__init__ is not object.__init__:
            try:
                cls.__init__(self, *impl.args, **impl.kwargs)
            except BaseException:
                # Not initialised: the next access in this greenlet tries again.
                impl.dicts.pop(current, None)
                raise
        return d

    def __getattribute__(self, name: str) -> Any:
        if name in ("__class__", "_local__impl", "_local__dict"):
            return object.__getattribute__(self, name)
        if name == "__dict__":
            return object.__getattribute__(self, "_local__dict")()
        d = object.__getattribute__(self, "_local__dict")()
        cls = type(self)
        attr = _lookup_type(cls, name)
        if attr is not None and hasattr(type(attr), "__set__"):
            return attr.__get__(self, cls)   # a data descriptor (property) wins
        if name in d:
            return d[name]
        if attr is not None:
            if hasattr(type(attr), "__get__"):
                return attr.__get__(self, cls)
            return attr
        raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "__dict__":
            raise AttributeError(
                f"{type(self).__name__!r} object attribute '__dict__' is read-only")
        attr = _lookup_type(type(self), name)
        if attr is not None and hasattr(type(attr), "__set__"):
            attr.__set__(self, value)
            return
        object.__getattribute__(self, "_local__dict")()[name] = value

    def __delattr__(self, name: str) -> None:
        if name == "__dict__":
            raise AttributeError(
                f"{type(self).__name__!r} object attribute '__dict__' is read-only")
        attr = _lookup_type(type(self), name)
        if attr is not None and hasattr(type(attr), "__delete__"):
            attr.__delete__(self)
            return
        d = object.__getattribute__(self, "_local__dict")()
        try:
            del d[name]
        except KeyError:
            raise AttributeError(name) from None


def _lookup_type(cls: type, name: str) -> Any:
    for base in cls.__mro__:
        if base is local or base is object:
            continue
        if name in base.__dict__:
            return base.__dict__[name]
    return None
