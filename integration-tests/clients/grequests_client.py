"""grequests, unmodified, under gstack's gevent compatibility mode: a concurrent map.

Run as ``python -m gmonkey --as-gevent grequests_client.py URL N DELAY``; prints
one JSON line: the bodies in order, the elapsed time, and which module
grequests got as ``gevent``.
"""

import json
import sys
import time

import grequests  # does `import gevent` and `monkey.patch_all(thread=False, select=False)`

url, n, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
requests = [grequests.get(f"{url}/slow?seconds={delay}&id={i}") for i in range(n)]
start = time.monotonic()
responses = grequests.map(requests, size=n)
elapsed = time.monotonic() - start
print(json.dumps({
    "bodies": [r.text if r is not None else None for r in responses],
    "elapsed": elapsed,
    "gevent": grequests.gevent.__name__,
}))
