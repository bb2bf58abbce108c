# C-level declarations for gnet/_private.py (Cython's pure-Python mode).
#
# _private.py is the source; gnet's setup.py compiles it as it is, which
# takes the interpreter out of the socket wait path (io_ready, the wake-ups,
# wait_fd). Nothing is declared here yet: the module's names must stay
# ordinary module attributes, since gnet.socket uses them as such. docs/performance.md has the figures.
