#!/usr/bin/env python3
"""A long-polling chat on gstack.wsgi (libevent's HTTP server), with a backdoor into it.

    python examples/webchat [--host 127.0.0.1] [--port 8000] [--backdoor-port 5001]
                            [--server wsgi|pywsgi]

then open http://127.0.0.1:8000/ in two browser windows: what one says, the
other shows at once. Each request runs in its own greenlet; a poll waits on
the room's :class:`gstack.event.Event` (see ``chat.py``), so a thousand idle
browsers cost a thousand parked greenlets and no thread. The backdoor (a
Python console, always on 127.0.0.1) shares the room: ``nc 127.0.0.1 5001``,
then ``room.post("console", "hello")`` speaks to every browser, and
``room.messages`` shows the history. Port 0 takes any free port; Ctrl-C
stops both servers.
"""

import argparse
import sys

from chat import Room

from gstack.backdoor import BackdoorServer
from gstack.pool import Pool


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/webchat",
                                     description="A long-polling chat on gstack.")
    parser.add_argument("--host", default="127.0.0.1", help="the chat's address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="the chat's port (8000; 0: any)")
    parser.add_argument("--backdoor-port", type=int, default=5001,
                        help="the backdoor's port on 127.0.0.1 (5001; 0: any; -1: none)")
    parser.add_argument("--server", choices=["wsgi", "pywsgi"], default="wsgi",
                        help="gstack.wsgi (libevent's evhttp, the default) or gstack.pywsgi")
    parser.add_argument("--max-requests", type=int, default=1000,
                        help="requests served at once, waiting polls included (1000)")
    args = parser.parse_args(argv)

    if args.server == "wsgi":
        from gstack.wsgi import WSGIServer
    else:
        from gstack.pywsgi import WSGIServer
    room = Room()
    # A full pool: gstack.wsgi answers 503 at once, pywsgi stops accepting for a while.
    chat = WSGIServer((args.host, args.port), room, spawn=Pool(args.max_requests), log=None)
    chat.start()
    host = "127.0.0.1" if args.host in ("", "0.0.0.0") else args.host
    print(f"Chat on http://{host}:{chat.server_port}/ (gstack.{args.server}; Ctrl-C to stop)",
          flush=True)
    backdoor = None
    if args.backdoor_port >= 0:
        backdoor = BackdoorServer(("127.0.0.1", args.backdoor_port),
                                  locals={"room": room, "chat": chat},
                                  banner="The chat's backdoor: try room.post('console', 'hi')")
        backdoor.start()
        print(f"Backdoor on 127.0.0.1:{backdoor.server_port} "
              f"(nc 127.0.0.1 {backdoor.server_port}; room is the chat room)", flush=True)
    try:
        chat.serve_forever(stop_timeout=1)
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the chat on its way out
    finally:
        if backdoor is not None:
            backdoor.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
