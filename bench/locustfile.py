"""What a reader does, for `make loadtest` (bench/loadtest.py): opens the home page, browses
and filters the claims, reads claims, actors, sources, passages and topics, searches, looks at
the map and the feeds. The addresses come from the database under test (LOADTEST_URLS, a JSON
file bench/loadtest.py writes), so that every request is one a reader could make.

Any answer but 200 is a failure: the load test passes only with none.
"""

import json
import os
import random

from locust import HttpUser, between, task

URLS = json.loads(open(os.environ["LOADTEST_URLS"]).read())
WORDS = ["prisoners", "camps", "human rights", "missile", "sanctions", "defectors", "food"]


class Reader(HttpUser):
    wait_time = between(0.1, 0.5)

    def _get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} at {url}")

    @task(3)
    def home(self):
        self._get("/", "/")

    @task(6)
    def claims(self):
        page = random.randint(1, 20)
        self._get(f"/claims/?page={page}", "/claims/?page=N")

    @task(3)
    def claims_filtered(self):
        topic = random.choice(URLS["topics"])
        self._get(f"/claims/?topic={topic}&status=disputed", "/claims/?topic&status")

    @task(3)
    def search(self):
        self._get(f"/claims/?q={random.choice(WORDS)}", "/claims/?q=")

    @task(10)
    def claim(self):
        self._get(f"/claims/{random.choice(URLS['claims'])}/", "/claims/<slug>/")

    @task(3)
    def actor(self):
        self._get(f"/actors/{random.choice(URLS['actors'])}/", "/actors/<slug>/")

    @task(2)
    def source(self):
        self._get(f"/sources/{random.choice(URLS['sources'])}/", "/sources/<slug>/")

    @task(5)
    def passage(self):
        self._get(f"/passages/{random.choice(URLS['passages'])}/", "/passages/<id>/")

    @task(2)
    def topic(self):
        self._get(f"/topics/{random.choice(URLS['topics'])}/", "/topics/<slug>/")

    @task(1)
    def lists(self):
        self._get(random.choice(["/actors/", "/sources/", "/claims.json"]), "lists and twins")

    @task(1)
    def map(self):
        self._get("/map/", "/map/")

    @task(1)
    def feed(self):
        self._get(random.choice(["/feeds/claims.atom", "/feeds/disputes.atom"]), "feeds")
