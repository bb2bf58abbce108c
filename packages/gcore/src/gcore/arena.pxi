# A bounded cache in front of CPython's object-arena allocator.
#
# Why: on CPython 3.11+ every new greenlet (like every new thread) gets its
# frame-stack chunk from the object-arena allocator, which by default maps and
# unmaps memory for each one: an mmap/munmap pair per greenlet, most of the
# cost of creating, running and finishing a greenlet. Keeping a few freed
# blocks and handing them out again removes those system calls.
#
# How: install an allocator (the public PyObject_SetArenaAllocator API) that
# keeps up to ARENA_CACHE_BLOCKS freed blocks, at most ARENA_CACHE_BYTES in
# all, each of at most ARENA_CACHE_MAX_BLOCK bytes, and passes everything else
# to the allocator it replaced. Blocks always come from, and go back to, that
# allocator with their original size, so installing or removing the cache at
# any time is safe. It is called with the GIL held, as CPython's own is.
#
# Turn it off with GCORE_ARENA_CACHE=0 in the environment, or at run time with
# gcore.set_arena_cache(False) (which also returns the cached blocks).

cdef extern from "Python.h":
    ctypedef struct PyObjectArenaAllocator:
        void *ctx
        void *(*alloc)(void *ctx, size_t size) noexcept nogil
        void (*free)(void *ctx, void *ptr, size_t size) noexcept nogil

    void PyObject_GetArenaAllocator(PyObjectArenaAllocator *allocator)
    void PyObject_SetArenaAllocator(PyObjectArenaAllocator *allocator)

cdef enum:
    ARENA_CACHE_BLOCKS = 64
    ARENA_CACHE_BYTES = 4 * 1024 * 1024
    ARENA_CACHE_MAX_BLOCK = 1024 * 1024

cdef PyObjectArenaAllocator _arena_previous
cdef bint _arena_installed = False
cdef void *_arena_ptrs[ARENA_CACHE_BLOCKS]
cdef size_t _arena_sizes[ARENA_CACHE_BLOCKS]
cdef int _arena_count = 0
cdef size_t _arena_bytes = 0
cdef size_t _arena_hits = 0
cdef size_t _arena_misses = 0


cdef void *_arena_alloc(void *ctx, size_t size) noexcept nogil:
    global _arena_count, _arena_bytes, _arena_hits, _arena_misses
    cdef int i = _arena_count - 1
    cdef void *ptr
    while i >= 0:
        if _arena_sizes[i] == size:
            ptr = _arena_ptrs[i]
            _arena_count -= 1
            _arena_ptrs[i] = _arena_ptrs[_arena_count]
            _arena_sizes[i] = _arena_sizes[_arena_count]
            _arena_bytes -= size
            _arena_hits += 1
            return ptr
        i -= 1
    _arena_misses += 1
    return _arena_previous.alloc(_arena_previous.ctx, size)


cdef void _arena_free(void *ctx, void *ptr, size_t size) noexcept nogil:
    global _arena_count, _arena_bytes
    if (ptr != NULL and size <= ARENA_CACHE_MAX_BLOCK and _arena_count < ARENA_CACHE_BLOCKS
            and _arena_bytes + size <= ARENA_CACHE_BYTES):
        _arena_ptrs[_arena_count] = ptr
        _arena_sizes[_arena_count] = size
        _arena_count += 1
        _arena_bytes += size
        return
    _arena_previous.free(_arena_previous.ctx, ptr, size)


cdef void _arena_flush() noexcept:
    global _arena_count, _arena_bytes
    while _arena_count > 0:
        _arena_count -= 1
        _arena_previous.free(_arena_previous.ctx, _arena_ptrs[_arena_count],
                             _arena_sizes[_arena_count])
    _arena_bytes = 0


def set_arena_cache(bint enabled):
    """Install (``True``) or remove (``False``) the arena cache; return the previous state.

    The cache keeps a few freed object arenas and frame-stack chunks (at most
    4 MiB) so that creating greenlets does not map and unmap memory each
    time. It is on by default; ``GCORE_ARENA_CACHE=0`` turns it off at import.
    """
    global _arena_installed
    cdef PyObjectArenaAllocator mine
    was = _arena_installed
    if enabled and not _arena_installed:
        PyObject_GetArenaAllocator(&_arena_previous)
        mine.ctx = NULL
        mine.alloc = _arena_alloc
        mine.free = _arena_free
        PyObject_SetArenaAllocator(&mine)
        _arena_installed = True
    elif not enabled and _arena_installed:
        PyObject_SetArenaAllocator(&_arena_previous)
        _arena_flush()
        _arena_installed = False
    return was


def arena_cache_info():
    """A dict with the arena cache's state: ``enabled``, ``blocks``, ``bytes``, ``hits``, ``misses``."""
    return {
        "enabled": _arena_installed,
        "blocks": _arena_count,
        "bytes": _arena_bytes,
        "hits": _arena_hits,
        "misses": _arena_misses,
        "max_blocks": ARENA_CACHE_BLOCKS,
        "max_bytes": ARENA_CACHE_BYTES,
    }


if os.environ.get("GCORE_ARENA_CACHE", "1").strip().lower() not in ("0", "no", "off", "false"):
    set_arena_cache(True)
