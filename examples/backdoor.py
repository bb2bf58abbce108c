#!/usr/bin/env python3
"""A running program with a backdoor: a Python console over TCP, sharing the program's state.

    python examples/backdoor.py [PORT]        # default 5001; 0: any free port

then ``telnet 127.0.0.1 5001`` (or ``nc``): ``counter`` shows the ticker's
count as it grows, ``print(1+1)`` prints ``2``; ``quit()`` or Ctrl-D ends the
console, not the program. The backdoor listens on loopback only.
"""

import sys

import gstack
from gstack.backdoor import BackdoorServer

state = {"counter": 0}


def ticker():
    while True:
        state["counter"] += 1
        gstack.sleep(0.1)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5001
    gstack.spawn(ticker)
    server = BackdoorServer(("127.0.0.1", port), locals=state,
                            banner="Inside examples/backdoor.py: try counter, or print(1+1)")
    server.start()
    print(f"Backdoor on 127.0.0.1:{server.server_port} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out


if __name__ == "__main__":
    main()
