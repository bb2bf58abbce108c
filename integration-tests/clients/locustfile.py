"""The locust test plan of test_gevent_packages.py: users that GET / as fast as they can.

Loaded by ``locust`` run under ``python -m gmonkey --as-gevent``; it writes
which module ``import gevent`` gave to the file named by ``GEVENT_SEEN``.
"""

import os

import gevent
from locust import HttpUser, constant, task

with open(os.environ["GEVENT_SEEN"], "w") as seen:
    seen.write(gevent.__name__)


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def index(self):
        with self.client.get("/", catch_response=True) as response:
            if response.text != "hello":
                response.failure(f"unexpected body {response.text!r}")
