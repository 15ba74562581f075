"""What a reader does, for `make loadtest` (bench/loadtest.py): opens the home page, browses
and filters the claims, reads claims, actors, sources, passages and topics, searches, looks at
the map and the feeds. The addresses come from the database under test (LOADTEST_URLS, a JSON
file bench/loadtest.py writes), so that every request is one a reader could make. With several
servers (LOADTEST_HOSTS, comma-separated), each reader reads from one of them, in turn.

Any answer but 200 is a failure: the load test passes only with none.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

URLS = json.loads(open(os.environ["LOADTEST_URLS"]).read())
HOSTS = [host for host in os.environ.get("LOADTEST_HOSTS", "").split(",") if host]
_turn = itertools.count()


def pick(kind: str) -> str | None:
    """One address of a kind, or None when the sample has none (at a small LOADTEST_CLAIMS,
    the curators' claims may take every topic)."""
    return random.choice(URLS[kind]) if URLS[kind] else None


WORDS = ["prisoners", "camps", "human rights", "missile", "sanctions", "defectors", "food"]


class Reader(HttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self):
        self.server = HOSTS[next(_turn) % len(HOSTS)] if HOSTS else ""

    def _get(self, url: str, name: str):
        with self.client.get(self.server + url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} at {url}")

    @task(3)
    def home(self):
        self._get("/", "/")

    @task(6)
    def claims(self):
        page = random.randint(1, URLS["claim_pages"])
        self._get(f"/claims/?page={page}", "/claims/?page=N")

    @task(3)
    def claims_filtered(self):
        if topic := pick("topics"):
            self._get(f"/claims/?topic={topic}&status=disputed", "/claims/?topic&status")

    @task(3)
    def search(self):
        self._get(f"/claims/?q={random.choice(WORDS)}", "/claims/?q=")

    @task(10)
    def claim(self):
        if value := pick("claims"):
            self._get(f"/claims/{value}/", "/claims/<slug>/")

    @task(3)
    def actor(self):
        if value := pick("actors"):
            self._get(f"/actors/{value}/", "/actors/<slug>/")

    @task(2)
    def source(self):
        if value := pick("sources"):
            self._get(f"/sources/{value}/", "/sources/<slug>/")

    @task(5)
    def passage(self):
        if value := pick("passages"):
            self._get(f"/passages/{value}/", "/passages/<id>/")

    @task(2)
    def topic(self):
        if value := pick("topics"):
            self._get(f"/topics/{value}/", "/topics/<slug>/")

    @task(1)
    def lists(self):
        self._get(random.choice(["/actors/", "/sources/", "/claims.json"]), "lists and twins")

    @task(1)
    def map(self):
        self._get("/map/", "/map/")

    @task(1)
    def feed(self):
        self._get(random.choice(["/feeds/claims.atom", "/feeds/disputes.atom"]), "feeds")
