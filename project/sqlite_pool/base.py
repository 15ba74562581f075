"""Django's SQLite backend, its connections kept for the next request (settings.DB_POOL).

Django keeps a connection per greenlet, and gevent's worker (`make serve`) runs every request in
a greenlet of its own, so each request would open the file anew and SQLite would read the whole
schema again at its first query: 2.4 ms at 100,000 claims (the tables, their indexes and the
search triggers), more than a claim page's own queries take. As psycopg's pool does for
PostgreSQL, a connection closed at the end of a request goes back to its process's idle list
instead, its transaction (if any) rolled back, and the next request takes it: it sees every
write committed meanwhile, by any process, like a new one.
"""

from django.conf import settings
from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    # The idle connections of this process (greenlets share it: they take turns on one thread).
    _idle: list = []

    def get_new_connection(self, conn_params):
        try:
            return self._idle.pop()
        except IndexError:
            return super().get_new_connection(conn_params)

    def _close(self):
        if self.connection is None or self.is_in_memory_db() or len(self._idle) >= settings.DB_POOL:
            return super()._close()
        with self.wrap_database_errors:
            if self.connection.in_transaction:
                self.connection.rollback()
        self._idle.append(self.connection)
