"""The production WSGI application, each answer naming the process that made it (`X-Worker`):
for tests that must reach every gunicorn worker."""

import os

from project.wsgi import application as django_application


def application(environ, start_response):
    def named(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], exc_info)

    return django_application(environ, named)
