"""gunicorn's settings for `make serve`: the port from PORT, workers from the CPU count, logs
to standard error."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
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
