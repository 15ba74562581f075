"""Redis for the tests, as a deployment's CACHE_URL=redis://… uses it: whether it answers (in CI it
must: `.ci/run` starts it), and a cache of this test process's own keys in it.

One Redis serves everything that runs at once on the machine: in CI the SQLite and the PostgreSQL
suites, each in several worker processes, and anyone else's tests. Django's `RedisCache.clear()`
is FLUSHDB, which would empty the cache of every one of them that shares its database number, in
the middle of their tests. So the tests' cache names its keys with a prefix of this process's own
and clears only those.
"""

import socket
import uuid

from django.core.cache.backends.redis import RedisCache

from .browser import unavailable

HOST, PORT = "127.0.0.1", 6379
# The Redis database the tests use: not 0, which a developer's `make serve` with
# CACHE_URL=redis://127.0.0.1:6379 fills, and might flush.
DATABASE = 15
KEY_PREFIX = f"test-{uuid.uuid4().hex[:12]}"  # this process's keys: <prefix>:<version>:<key>


def redis_url() -> str:
    """The tests' Redis database as a CACHE_URL; skips the test when nothing answers at
    127.0.0.1:6379, and in CI fails it."""
    try:
        with socket.create_connection((HOST, PORT), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            answered = conn.recv(16).startswith(b"+PONG")
    except OSError:
        answered = False
    if not answered:
        unavailable(f"Redis at {HOST}:{PORT}", "apt-get install redis-server")
    return f"redis://{HOST}:{PORT}/{DATABASE}"


class OneProcessRedisCache(RedisCache):
    """Django's Redis cache, but `clear()` deletes this process's keys only (its KEY_PREFIX's),
    not the whole database the other suites and workers share."""

    def clear(self) -> bool:
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return True


def redis_caches() -> dict:
    """A CACHES setting: the default cache in Redis, as `CACHE_URL=redis://…` makes it
    (project.settings._cache), its keys this process's own."""
    return {
        "default": {
            "BACKEND": f"{__name__}.OneProcessRedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": KEY_PREFIX,
        }
    }


def page_keys(generation: int) -> list[bytes]:
    """The pages servers run with CACHE_URL=`redis_url()` have cached in Redis under the record's
    `generation` (their keys have no prefix: `:<version>:page:<generation>:<address digest>`)."""
    import redis

    client = redis.Redis(host=HOST, port=PORT, db=DATABASE)
    try:
        return list(client.scan_iter(match=f":*:page:{generation}:*", count=1000))
    finally:
        client.close()
