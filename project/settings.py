"""Settings for the claims tracker: one module, configured by the environment.

Variables: DATABASE_URL (unset: the embedded SQLite file), DATABASE_REPLICA_URLS, DJANGO_DEBUG,
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS (comma-separated), CACHE_URL, DJANGO_HTTPS_PROXY (served
over HTTPS by a proxy that sets X-Forwarded-Proto and X-Forwarded-For) and DJANGO_PROXY_COUNT,
DJANGO_DB_POOL, DJANGO_STATIC_MANIFEST, DJANGO_STATIC_ROOT, DJANGO_ACCESS_LOG, and the app's own
(below). A `.env` file beside manage.py (written by `make run`) supplies defaults for local use;
variables set in the environment always win.
"""

import os
from pathlib import Path

import dj_database_url
import jinja2
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _read_dotenv(path: Path) -> None:
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_read_dotenv(BASE_DIR / ".env")


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is missing or empty. With DJANGO_DEBUG off a secret key is "
            "required: set DJANGO_SECRET_KEY in the environment (for local use, `make run` "
            "writes one to .env)."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "claims_app.apps.CurationAdminConfig",  # Django's admin, with our front page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "axes",
    "claims_app",
]

MIDDLEWARE = [
    "project.middleware.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "project.middleware.ContentSecurityPolicyMiddleware",
    # Static files, compressed and hashed, served before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: counts failed logins and refuses more after AXES_FAILURE_LIMIT.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "project.urls"

# Two engines. The public pages (jinja2/, a sitemap's pages too) render with Jinja2, several
# times faster than Django's template language on a list page, which Issue 15 holds to
# Datasette's speed. Django's own engine, second, renders what comes with Django and its apps
# and expects it: the admin, simple_history's screens, the sitemap index, and our overrides of
# theirs (templates/).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "project.jinja2.environment",
            "autoescape": True,
            "auto_reload": DEBUG,
            # A missing value renders as nothing, as in Django's engine (whose Jinja2 backend
            # would otherwise print its name under DEBUG). `request` is in every context; the
            # pages need no context processor.
            "undefined": jinja2.Undefined,
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "project.wsgi.application"

DATABASES = {
    # An empty DATABASE_URL means unset, as for the other variables.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0 if DEBUG else 60,
    )
}
# DJANGO_DB_POOL=N (`make serve`'s gunicorn.conf.py sets 4): no connection outlives its
# request; on PostgreSQL each process borrows them from a pool of at most N (psycopg's). gevent's
# worker runs every request in a greenlet of its own, and Django keeps one connection per
# greenlet: a persistent connection (CONN_MAX_AGE) would be left open by every request that
# ended, and one per request at once could exhaust PostgreSQL's connections.
DB_POOL = int(os.environ.get("DJANGO_DB_POOL") or 0)
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DB_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same for SQLite: each process keeps up to N connections open for the next requests
    # (project/sqlite_pool), which would otherwise each read the schema again.
    DATABASES["default"]["ENGINE"] = "project.sqlite_pool"
if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "project.sqlite_pool"):
    # Reads go through the operating system's cache of the file without a copy each (mmap), and
    # a kept connection keeps more of it in its own (16 MB rather than 2).
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16000"
    )

# DATABASE_REPLICA_URLS (comma-separated postgres:// URLs): PostgreSQL streaming replicas of
# DATABASE_URL, which answer the public pages' reads once they have replayed the record's latest
# change (claims_app/replicas.py); everything else stays on the primary. A replica that does not
# answer within REPLICA_CONNECT_TIMEOUT seconds is left alone for REPLICA_RETRY_SECONDS.
_replica_urls = [
    url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if url.strip()
]
DATABASE_REPLICAS = [f"replica{n}" for n in range(1, len(_replica_urls) + 1)]
REPLICA_CONNECT_TIMEOUT = int(os.environ.get("REPLICA_CONNECT_TIMEOUT") or 2)
REPLICA_RETRY_SECONDS = int(os.environ.get("REPLICA_RETRY_SECONDS") or 10)
for _alias, _url in zip(DATABASE_REPLICAS, _replica_urls, strict=True):
    _replica = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    if "postgresql" not in DATABASES["default"]["ENGINE"] or "postgresql" not in _replica["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS names PostgreSQL streaming replicas of a PostgreSQL "
            "DATABASE_URL: both must be postgres:// URLs."
        )
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT)
    _replica["TEST"] = {"MIRROR": "default"}  # tests never make a database of their own there
    DATABASES[_alias] = _replica
DATABASE_ROUTERS = ["claims_app.replicas.ReplicaRouter"] if DATABASE_REPLICAS else []

for _alias, _database in DATABASES.items():
    if DB_POOL and _database["ENGINE"] == "django.db.backends.postgresql":
        # A connection broken while idle (a database restart) is replaced, not handed out.
        _database["CONN_MAX_AGE"] = 0
        _database["CONN_HEALTH_CHECKS"] = True
        _pool = {"min_size": 1, "max_size": DB_POOL, "name": _alias}  # its log lines say which
        if _alias in DATABASE_REPLICAS:
            # A request waits for a replica's connection no longer than for a new one: then the
            # primary answers (the pool's own default, 30 s, would hold the page that long). And
            # a replica that went away is given up on by its pool as soon as by replicas.py, so
            # the pool's next try, when replicas.py tries it again, is at once: left to itself
            # it would try again ever more seldom, for up to 5 minutes after the replica is back.
            _pool["timeout"] = REPLICA_CONNECT_TIMEOUT
            _pool["reconnect_timeout"] = REPLICA_RETRY_SECONDS
        _database.setdefault("OPTIONS", {})["pool"] = _pool

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic puts them, and DJANGO_STATIC_MANIFEST serves them from.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")

# Uploaded originals (a source's PDF or saved web page), through Django's storage API: a local
# directory (MEDIA_ROOT, default media/ beside manage.py) unless MEDIA_STORAGE_URL names an
# S3-compatible object store, s3://<bucket> (django-storages), which several servers can share;
# S3_ENDPOINT_URL for one that is not Amazon's (MinIO, Ceph, moto's server); credentials and
# region as boto3 reads them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or str(BASE_DIR / "media")
MEDIA_URL = "media/"  # never served as such: originals are served by their source's address


def _media_storage(url: str) -> dict:
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if url.startswith("s3://") and url[5:].strip("/"):
        options = {"bucket_name": url[5:].strip("/"), "file_overwrite": False}
        if endpoint := os.environ.get("S3_ENDPOINT_URL", "").strip():
            options["endpoint_url"] = endpoint
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE_URL {url!r} is not one this site knows: leave it unset (MEDIA_ROOT), "
        "or give s3://<bucket>."
    )


STORAGES = {
    "default": _media_storage(os.environ.get("MEDIA_STORAGE_URL", "").strip()),
    # Served by WhiteNoise. DJANGO_STATIC_MANIFEST=1 (`make serve` sets it, after collectstatic):
    # compressed, with hashed names that browsers may cache forever. Unset (tests, `make run`):
    # the files as they are, no collectstatic needed.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _env_bool("DJANGO_STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Without the manifest (no collectstatic), WhiteNoise finds the files where they are.
WHITENOISE_USE_FINDERS = not _env_bool("DJANGO_STATIC_MANIFEST")

# --- Security. Behind a TLS-terminating proxy (DJANGO_HTTPS_PROXY=1), the proxy's
# X-Forwarded-Proto says a request came over HTTPS: plain HTTP is redirected, cookies are
# secure, and browsers are told to use HTTPS only (HSTS).
HTTPS_PROXY = _env_bool("DJANGO_HTTPS_PROXY")
if HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = _env_bool("DJANGO_HSTS_PRELOAD", default=True)

# How many proxies every request passes through (DJANGO_PROXY_COUNT, default 1): the client is
# the address the outermost of them put in X-Forwarded-For (project/clients.py). Without
# DJANGO_HTTPS_PROXY there is no proxy, and the header, anybody's to write, is ignored.
_proxy_count = os.environ.get("DJANGO_PROXY_COUNT", "").strip() or "1"
if not _proxy_count.isdigit():
    raise ImproperlyConfigured(
        f"DJANGO_PROXY_COUNT {_proxy_count!r} is not a number of proxies: set it to how many "
        "proxies every request passes through (1 for one proxy in front)."
    )
PROXY_COUNT = int(_proxy_count) if HTTPS_PROXY else 0

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (project/middleware.py): everything from this site, nothing inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Failed logins (django-axes): after 5 for one username from one address, that pair is refused
# for an hour; the admin login says so.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the client's, behind a proxy too (project/clients.py), not the proxy's: else
# five wrong passwords from anyone would lock a username out for everyone.
AXES_CLIENT_IP_CALLABLE = "project.clients.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Logs: one JSON object a line on standard error, for whatever collects them; with
# DJANGO_ACCESS_LOG=1 (`make serve`), a line for each request too.
ACCESS_LOG = _env_bool("DJANGO_ACCESS_LOG")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "project.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Each request's line comes from gunicorn's access log; Django's would repeat it.
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # A request for another host is a 400, in the access log; not a traceback each time.
        "django.security.DisallowedHost": {"level": "CRITICAL"},
    },
}


def _cache(url: str) -> dict:
    """CACHE_URL: unset or locmem:// (this process's memory), redis://host:port/db (shared by
    every process and server), or dummy:// (no caching)."""
    if not url or url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("dummy://"):
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL {url!r} is not one this site knows: use locmem://, redis://… or dummy://."
    )


CACHES = {"default": _cache(os.environ.get("CACHE_URL", "").strip())}
# How long a rendered public page is served again (it is also dropped at once when anything in
# the record changes); 0: never cached.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))

CLAIMS_PAGE_SIZE = 25
# Actors, sources, and the claims on an actor's or a source's page.
LIST_PAGE_SIZE = 50
# Reading a claims list's facet keys (selectors.claims_facets): if it would take longer, the
# facets are left uncounted, as Datasette's are, rather than hold the page up.
FACET_TIME_LIMIT_MS = int(os.environ.get("FACET_TIME_LIMIT_MS", "20"))
# A list of more claims than this is not faceted beyond its statuses: counting its topics,
# actors and sources would spend the whole time limit and give up (and whether it did would
# depend on how busy the server is).
FACET_MAX_CLAIMS = int(os.environ.get("FACET_MAX_CLAIMS", "2000"))
# A search's matches are ranked by relevance up to this many; past it, ranking (or counting)
# them all would take longer than a page may, and they come newest first, not counted.
RANK_MAX_MATCHES = int(os.environ.get("RANK_MAX_MATCHES", "5000"))
# The largest PDF or saved web page a source may be read from (extraction.py), in bytes: a
# 400-page report is about 10 MB.
SOURCE_UPLOAD_MAX_BYTES = int(os.environ.get("SOURCE_UPLOAD_MAX_BYTES", str(50 * 1000 * 1000)))
# The domain name in the Atom feeds' entry ids (tag URIs): set it to the site's public domain,
# so that an entry keeps its id whatever name the site is reached by. Unset: the request's.
FEED_ID_DOMAIN = os.environ.get("FEED_ID_DOMAIN", "").strip().lower()
