# C-level declarations for gnet/asyncio.py (Cython's pure-Python mode).
#
# asyncio.py is the source; gnet's setup.py compiles it as it is, which takes
# the interpreter out of the selector's per-event path (the event callbacks
# that record readiness, select() handing it out, the parking and waking) and
# out of the loop's call_soon. Nothing is declared here: its classes
# subclass the stdlib's (selectors, asyncio), so they stay Python classes.
