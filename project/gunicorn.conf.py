"""gunicorn's settings for `make serve`: the port from PORT, workers from the CPU count, gevent's
worker so that slow clients hold no worker, no Server banner, logs to standard error."""

import multiprocessing
import os

from gunicorn.http import wsgi

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A sync worker reads one request at a time, from the first byte to the last: six clients
# trickling their headers a byte a second held all five for 30 s each. gevent's worker reads each
# connection in a greenlet of its own, so a slow client holds a little memory, not a worker, and
# the worker answers the others meanwhile (up to worker_connections at once, slow or not).
worker_class = "gevent"
worker_connections = 1000
# Under gevent's worker, how long a request's headers may take to arrive (and a kept-alive
# connection to send its next request): a client still trickling them is dropped then.
keepalive = 2
# Django keeps a database connection per greenlet, so under gevent a persistent one would be
# left open by every request: project/settings.py borrows them from a pool of this many a
# process instead (PostgreSQL; see DJANGO_DB_POOL there).
os.environ.setdefault("DJANGO_DB_POOL", "4")
timeout = 30
graceful_timeout = 20
max_requests = 5000  # a worker is replaced now and then, so that no leak grows for ever
max_requests_jitter = 500
# The proxy in front (if any) is on this machine or the private network; trust its
# X-Forwarded-* headers (Django reads X-Forwarded-Proto only when DJANGO_HTTPS_PROXY=1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Each request is logged by Django (project/middleware.py), as JSON like the rest: gunicorn's own
# access log would not be.
accesslog = None
errorlog = "-"
# gunicorn's runtime control socket lives at one path per user: two servers on one machine (a
# test's, a load test's) would share it. Nothing here uses it.
control_socket_disable = True


# No `Server: gunicorn` header: what runs the site is nobody else's business. gunicorn has no
# setting for it, so its response's default headers are filtered once, here, before workers fork.
def _headers_without_server(default_headers):
    def headers(response):
        return [line for line in default_headers(response) if not line.startswith("Server:")]

    headers.without_server = True
    return headers


if not getattr(wsgi.Response.default_headers, "without_server", False):
    wsgi.Response.default_headers = _headers_without_server(wsgi.Response.default_headers)


# Each request gives its database connection back to the pool as soon as its answer is made,
# before the answer is sent: a client slow to read a large page (a long source's text) must not
# keep a connection from the others meanwhile. (Django would give it back only once the whole
# answer had been sent.)
def post_worker_init(worker):
    from django.db import connections

    site = worker.wsgi

    def application(environ, start_response):
        answer = site(environ, start_response)
        connections.close_all()
        return answer

    worker.wsgi = application
