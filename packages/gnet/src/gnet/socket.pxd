# C-level declarations for gnet/socket.py (Cython's pure-Python mode).
#
# socket.py is the source; gnet's setup.py compiles it as it is: the
# cooperative socket class stays a Python class (it subclasses the stdlib's
# socket.socket), its methods become compiled functions, so recv, send,
# sendall and the wait between them run without the interpreter. Nothing is
# declared here yet: every module-level name must stay a module attribute
# (gmonkey and the stdlib reach them by name). docs/performance.md has the
# figures.
