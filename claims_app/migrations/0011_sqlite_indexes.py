"""SQLite's own indexes for what PostgreSQL's (0006) serve there, SQLite only.

SQLite cannot write NULLS LAST or INCLUDE in an index, but needs neither: NULL sorts first, so
a descending scan puts undated claims last (what `first_date DESC NULLS LAST` asks; SQLite's
planner sees that is its default and reads the index backwards), and an index may list the
status as a column of its own. Without them the claims by date sorted every published claim
for each page (22 ms of SQL at 100,000 claims), and the sources newest first every source.

And a dispute's counterclaim: almost every dispute has none, and ANALYZE counts NULLs as one
value, so SQLite's planner judged the foreign key's index useless ("97,558 rows a value") and
read every dispute for the "countered by" part of each claim's page (10 ms). An index of the
disputes that have a counterclaim is small and the planner takes it. PostgreSQL keeps the
fraction of NULLs in its statistics and reads its foreign key's index.

And the counts of what is public (the home page, the sitemap index, the sources list): SQLite
reads a count from an index only if the index holds every column the query names, the column
tested included, else it reads the whole table (60 ms for the sources, whose rows are large;
35 ms for the claims). Each of these is the smallest index that holds them; the claims' by
status carries their first date, so that the status facet (the list's count) of the claims since
or until a date is read from it alone (56 ms, 3 now).
"""

from django.db import migrations

SQLITE_INDEXES = {
    "claim_by_date": "CREATE INDEX claim_by_date ON claims_app_claim "
    "(first_date, id, status) WHERE published",
    "source_by_date": "CREATE INDEX source_by_date ON claims_app_source "
    "(date DESC, title) WHERE passage_count > 0",
    "dispute_countering": "CREATE INDEX dispute_countering ON claims_app_dispute "
    "(counterclaim_id) WHERE counterclaim_id IS NOT NULL",
    "claim_published": "CREATE INDEX claim_published ON claims_app_claim "
    "(published, dispute_count) WHERE published",
    "source_public": "CREATE INDEX source_public ON claims_app_source "
    "(passage_count) WHERE passage_count > 0",
    "claim_status_date": "CREATE INDEX claim_status_date ON claims_app_claim "
    "(status, first_date, published) WHERE published",
    "actor_public": "CREATE INDEX actor_public ON claims_app_actor (is_public) WHERE is_public",
}


def sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_INDEXES.values():
            schema_editor.execute(sql)


def sqlite_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in SQLITE_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("claims_app", "0010_name_trigram_indexes")]

    operations = [migrations.RunPython(sqlite_indexes, sqlite_indexes_drop)]
