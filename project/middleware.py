"""Middleware of the deployment: the Content-Security-Policy header, and a log line for each
request."""

import logging
import time

from django.conf import settings

access_log = logging.getLogger("project.access")


class ContentSecurityPolicyMiddleware:
    """settings.CONTENT_SECURITY_POLICY on every response. Django 6 brings its own
    (`django.middleware.csp`); on 5.2 it is these few lines. Pages load scripts and styles only
    from this site and run nothing inline (a JSON-LD block is data, not script: not blocked)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class AccessLogMiddleware:
    """One structured line for each request (settings.ACCESS_LOG): method, path, status, time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if settings.ACCESS_LOG:
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request": request,
                    "status_code": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
