"""Full-text search over claims, on both databases: the claim's words, its actors' names and
aliases, its quotes and its disputes' notes, weighted in that order; web-search syntax (words,
"a phrase", OR, -word), ranked, matches highlighted; English words stemmed ("prisoner" finds
"prisoners").

- PostgreSQL: a stored, weighted tsvector (`Claim.search_vector`) with a GIN index, kept by
  `claims_search_refresh` from the write paths.
- SQLite: an external-content FTS5 table over a view of the same material, kept in step by
  triggers (so `update()` and `bulk_create()`, which skip `save()`, keep it too), ranked by
  bm25.

Korean, Chinese and Japanese attach particles and endings to words without spaces between them
("정치범수용소에는": political prisoner camp + at + topic). As Lucene's CJK analyzer does, each run
of Hangul, Han or kana characters is indexed as its overlapping bigrams ("정치 치범 범수 수용 …"),
and a query word as the phrase of its bigrams, so "정치범" (political prisoner) and "수감"
(imprisonment) find a claim that spells them inside longer runs. `cjk_bigrams` does it in SQL on
both databases (a PostgreSQL function from migration 0009; on SQLite the same Python function,
registered on each connection), joining the bigrams of a run with a separator neither text
search takes for a word character; highlights are mapped back to the original text.

`search_stale` compares the index with a fresh computation, as `derived.derived_stale` does for
the derived columns.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import BigIntegerField, Exists, F, Func, OuterRef, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

# Searches read from the replica their request reads from (replicas.py); elsewhere (the index's
# upkeep, the admin) this is the primary's connection.
from .replicas import read_connection as connection

CONFIG = "english"

# PostgreSQL refuses a tsvector over 1 MB ("string is too long for tsvector"; its other limits,
# 2,047 characters a word and 256 positions a word up to position 16,383, it applies by itself,
# dropping what is over). A character of text costs a tsvector at most 12 bytes (a distinct
# one-character word: 4 for its entry, up to 4 for its bytes, 4 for its one position; measured:
# distinct one-character words, each after a space, cost 6 bytes a character), so each kind of
# words is indexed up to its share of 1 MB / 12, about 87,000 characters in all (counted after
# the bigrams are made: a bigram and its separator are 3 characters for at most 14 bytes), and
# the whole vector stays within the documented limit (`||` does not check it). A claim longer
# than that is still stored and shown whole, and found by its first words.
# Characters indexed of: the title and text; the actors' names; the quotes; the disputes' notes.
_TEXT, _NAMES, _QUOTES, _NOTES = 40_000, 8_000, 30_000, 9_000

# ts_headline and FTS5's highlight() do not escape HTML: they mark matches with these, and the
# text is escaped afterwards.
_START, _STOP = "\x02", "\x03"

# Hangul (jamo, compatibility jamo, syllables), Han (radicals, CJK ideographs and extension A,
# compatibility ideographs), Hiragana and Katakana: the scripts written without spaces between
# words, which Lucene's CJKBigramFilter makes bigrams of.
_CJK = (
    r"\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    r"\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
)
# A character of a run followed by another is written twice, the bigrams joined by the unit
# separator (a control character: a word boundary to PostgreSQL's parser and to FTS5's
# unicode61 tokenizer alike): "정치범수" -> "정치\x1f치범\x1f범수". A run of one or two
# characters stays as it is.
_JOIN = "\x1f"
_INSIDE_RUN = f"(?<=[{_CJK}])([{_CJK}])(?=[{_CJK}])"
_INSIDE_RUN_RE = re.compile(_INSIDE_RUN.encode().decode("unicode_escape"))


def cjk_bigrams(text: str | None) -> str | None:
    """`text` with each run of CJK characters written as its overlapping bigrams (what both
    databases index, and what a query is turned into)."""
    if text is None:
        return None
    return _INSIDE_RUN_RE.sub(lambda m: m.group(1) + _JOIN + m.group(1), text.replace(_JOIN, " "))


# The same in SQL, for migration 0009 (PostgreSQL's regular expressions take \uXXXX escapes).
POSTGRES_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION cjk_bigrams(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(replace(t, E'\x1f', ' '), '{_INSIDE_RUN}', E'\\1\x1f\\1', 'g')
$$
"""


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the stored vector


def _vector(words: str, cap: int, weight: str) -> str:
    return (
        f"setweight(to_tsvector('{CONFIG}', left(cjk_bigrams(left({words}, {cap})), {cap})), "
        f"'{weight}')"
    )


_REFRESH = f"""
UPDATE claims_app_claim AS c SET search_vector =
    {_vector("coalesce(c.title, '') || ' ' || c.text", _TEXT, "A")}
    || {
    _vector(
        '''coalesce((
        SELECT string_agg(names.name, ' ' ORDER BY names.name) FROM (
            SELECT a.name FROM claims_app_actor a WHERE a.id IN (
                SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
                UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
            UNION ALL
            SELECT al.name FROM claims_app_alias al WHERE al.actor_id IN (
                SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
                UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
        ) AS names), '')''',
        _NAMES,
        "B",
    )
}
    || {
    _vector(
        '''coalesce((
        SELECT string_agg(p.quote, ' ' ORDER BY p.id) FROM claims_app_passage p WHERE p.id IN (
            SELECT passage_id FROM claims_app_statement WHERE claim_id = c.id
            UNION SELECT passage_id FROM claims_app_dispute WHERE claim_id = c.id)), '')''',
        _QUOTES,
        "C",
    )
}
    || {
    _vector(
        '''coalesce((
        SELECT string_agg(d.note, ' ' ORDER BY d.id)
        FROM claims_app_dispute d WHERE d.claim_id = c.id), '')''',
        _NOTES,
        "D",
    )
}
"""

# Every claim at once: each claim's names, quotes and notes gathered in one pass (GROUP BY), not
# one subquery per claim per kind of words.
_ALL_WORDS = """
WITH cited AS (
    SELECT claim_id, actor_id, passage_id FROM claims_app_statement
    UNION ALL SELECT claim_id, actor_id, passage_id FROM claims_app_dispute
), actors AS (SELECT DISTINCT claim_id, actor_id FROM cited
), names AS (
    SELECT claim_id, string_agg(name, ' ' ORDER BY name) AS words FROM (
        SELECT x.claim_id, a.name FROM actors x JOIN claims_app_actor a ON a.id = x.actor_id
        UNION ALL
        SELECT x.claim_id, al.name
        FROM actors x JOIN claims_app_alias al ON al.actor_id = x.actor_id
    ) AS named GROUP BY claim_id
), quotes AS (
    SELECT x.claim_id, string_agg(p.quote, ' ' ORDER BY p.id) AS words
    FROM (SELECT DISTINCT claim_id, passage_id FROM cited) AS x
    JOIN claims_app_passage p ON p.id = x.passage_id GROUP BY x.claim_id
), notes AS (
    SELECT claim_id, string_agg(note, ' ' ORDER BY id) AS words
    FROM claims_app_dispute GROUP BY claim_id
)
"""
_FRESH_ALL = f"""
    {_vector("coalesce(c2.title, '') || ' ' || c2.text", _TEXT, "A")}
    || {_vector("coalesce(names.words, '')", _NAMES, "B")}
    || {_vector("coalesce(quotes.words, '')", _QUOTES, "C")}
    || {_vector("coalesce(notes.words, '')", _NOTES, "D")}
"""
_JOINED = """
FROM claims_app_claim AS c2
LEFT JOIN names ON names.claim_id = c2.id
LEFT JOIN quotes ON quotes.claim_id = c2.id
LEFT JOIN notes ON notes.claim_id = c2.id
"""
_REFRESH_ALL = (
    f"{_ALL_WORDS} UPDATE claims_app_claim AS c SET search_vector = {_FRESH_ALL} {_JOINED} "
    "WHERE c2.id = c.id"
)
_STALE_POSTGRES = (
    f"{_ALL_WORDS} SELECT c2.id FROM (SELECT c2.id, c2.search_vector, {_FRESH_ALL} AS fresh "
    f"{_JOINED}) AS c2 WHERE c2.search_vector IS DISTINCT FROM c2.fresh ORDER BY c2.id"
)


def claims_search_refresh(*, claim_ids=None) -> None:
    """Recompute the search vector of these claims (all, if None) on PostgreSQL. On SQLite the
    triggers have done it already: a no-op."""
    if not _postgres():
        return
    with connection.cursor() as cursor:
        if claim_ids is None:
            cursor.execute(_REFRESH_ALL)
        else:
            ids = list(claim_ids)
            if ids:
                cursor.execute(_REFRESH + " WHERE c.id = ANY(%s)", [ids])


# ---------------------------------------------------------------------------------------------
# SQLite: FTS5, a view of the material, triggers

# Not `claims_app_claim_fts`: that is the name Datasette and sqlite-utils give an FTS table of the
# claims table itself, which someone may make beside ours (bench/datasette.py does).
FTS = "claims_app_search_index"
_VIEW = "claims_app_search_words"
_COLUMNS = ("title", "text", "names", "quotes", "notes")
# bm25's weight of each column: PostgreSQL's default weights of A, A, B, C, D (1, 1, 0.4, 0.2,
# 0.1), times ten.
_WEIGHTS = "10.0, 10.0, 4.0, 2.0, 1.0"
_TOKENIZE = "porter unicode61 remove_diacritics 2"

# SQLite before 3.44 has no ORDER BY inside group_concat: each list is gathered from an ordered
# subquery, which an aggregate query does not flatten, so its order is kept (FTS5 must be given
# the very values it indexed to take a row out again).
_VIEW_SQL = f"""
CREATE VIEW IF NOT EXISTS {_VIEW} AS SELECT
    c.id AS claim_id,
    cjk_bigrams(coalesce(c.title, '')) AS title,
    cjk_bigrams(c.text) AS text,
    cjk_bigrams(coalesce((SELECT group_concat(name, ' ') FROM (
        SELECT a.name AS name FROM claims_app_actor a WHERE a.id IN (
            SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
            UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
        UNION ALL
        SELECT al.name AS name FROM claims_app_alias al WHERE al.actor_id IN (
            SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
            UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
        ORDER BY name)), '')) AS names,
    cjk_bigrams(coalesce((SELECT group_concat(quote, ' ') FROM (
        SELECT p.quote AS quote FROM claims_app_passage p WHERE p.id IN (
            SELECT passage_id FROM claims_app_statement WHERE claim_id = c.id
            UNION SELECT passage_id FROM claims_app_dispute WHERE claim_id = c.id)
        ORDER BY p.id)), '')) AS quotes,
    cjk_bigrams(coalesce((SELECT group_concat(note, ' ') FROM (
        SELECT d.note AS note FROM claims_app_dispute d WHERE d.claim_id = c.id
        ORDER BY d.id)), '')) AS notes
FROM claims_app_claim c
"""
_FTS_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({', '.join(_COLUMNS)}, "
    f"content='{_VIEW}', content_rowid='claim_id', tokenize='{_TOKENIZE}')"
)


def _take_out(claims: str) -> str:
    """Take these claims' rows out of the index, given the values it indexed (the view, before
    the change)."""
    return (
        f"INSERT INTO {FTS}({FTS}, rowid, {', '.join(_COLUMNS)}) "
        f"SELECT 'delete', claim_id, {', '.join(_COLUMNS)} FROM {_VIEW} "
        f"WHERE claim_id IN ({claims});"
    )


def _put_in(claims: str) -> str:
    """Index these claims' rows (the view, after the change)."""
    return (
        f"INSERT INTO {FTS}(rowid, {', '.join(_COLUMNS)}) "
        f"SELECT claim_id, {', '.join(_COLUMNS)} FROM {_VIEW} WHERE claim_id IN ({claims});"
    )


def _citing_actor(actor: str) -> str:
    return (
        f"SELECT claim_id FROM claims_app_statement WHERE actor_id = {actor} "
        f"UNION SELECT claim_id FROM claims_app_dispute WHERE actor_id = {actor}"
    )


def _citing_passage(passage: str) -> str:
    return (
        f"SELECT claim_id FROM claims_app_statement WHERE passage_id = {passage} "
        f"UNION SELECT claim_id FROM claims_app_dispute WHERE passage_id = {passage}"
    )


def _triggers() -> dict[str, str]:
    """Each trigger's name and SQL. A change that alters what the view gives a claim takes the
    claim's row out of the index BEFORE it (the view still gives what was indexed) and puts it
    back AFTER it."""
    triggers = {}

    def pair(name, table, event, claims_before, claims_after=None, when=""):
        when = f" WHEN {when}" if when else ""
        triggers[f"{FTS}_{name}_before"] = (
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_{name}_before BEFORE {event} ON {table}{when} "
            f"BEGIN {_take_out(claims_before)} END"
        )
        triggers[f"{FTS}_{name}_after"] = (
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_{name}_after AFTER {event} ON {table}{when} "
            f"BEGIN {_put_in(claims_after or claims_before)} END"
        )

    triggers[f"{FTS}_claim_insert"] = (
        f"CREATE TRIGGER IF NOT EXISTS {FTS}_claim_insert AFTER INSERT ON claims_app_claim "
        f"BEGIN {_put_in('new.id')} END"
    )
    triggers[f"{FTS}_claim_delete"] = (
        f"CREATE TRIGGER IF NOT EXISTS {FTS}_claim_delete BEFORE DELETE ON claims_app_claim "
        f"BEGIN {_take_out('old.id')} END"
    )
    pair(
        "claim_update",
        "claims_app_claim",
        "UPDATE OF title, text",
        "old.id",
        when="old.title IS NOT new.title OR old.text IS NOT new.text",
    )
    for table, extra in (("statement", ""), ("dispute", ", note")):
        t = f"claims_app_{table}"
        pair(f"{table}_insert", t, "INSERT", "new.claim_id")
        pair(f"{table}_delete", t, "DELETE", "old.claim_id")
        changed = " OR ".join(
            f"old.{c} IS NOT new.{c}" for c in ("claim_id", "actor_id", "passage_id")
        ) + (" OR old.note IS NOT new.note" if extra else "")
        pair(
            f"{table}_update",
            t,
            f"UPDATE OF claim_id, actor_id, passage_id{extra}",
            "old.claim_id, new.claim_id",
            when=changed,
        )
    pair(
        "actor_update",
        "claims_app_actor",
        "UPDATE OF name",
        _citing_actor("new.id"),
        when="old.name IS NOT new.name",
    )
    pair("alias_insert", "claims_app_alias", "INSERT", _citing_actor("new.actor_id"))
    pair("alias_delete", "claims_app_alias", "DELETE", _citing_actor("old.actor_id"))
    pair(
        "alias_update",
        "claims_app_alias",
        "UPDATE OF name, actor_id",
        f"{_citing_actor('old.actor_id')} UNION {_citing_actor('new.actor_id')}",
        when="old.name IS NOT new.name OR old.actor_id IS NOT new.actor_id",
    )
    pair(
        "passage_update",
        "claims_app_passage",
        "UPDATE OF quote",
        _citing_passage("new.id"),
        when="old.quote IS NOT new.quote",
    )
    # A cited passage or actor is never deleted (PROTECT), except where foreign keys are not
    # checked (Django's flush deletes table by table): its claims' words go with it all the same.
    pair("passage_delete", "claims_app_passage", "DELETE", _citing_passage("old.id"))
    pair("actor_delete", "claims_app_actor", "DELETE", _citing_actor("old.id"))
    return triggers


def sqlite_function_register(connection_) -> None:
    """Make `cjk_bigrams` callable in SQL on this SQLite connection (the view and triggers use
    it): on every new connection (apps.py) and before the migration that needs it."""
    connection_.ensure_connection()
    connection_.connection.create_function("cjk_bigrams", 1, cjk_bigrams, deterministic=True)


def sqlite_install(connection_=connection) -> bool:
    """Make SQLite's index, its view and its triggers where any is missing, and then fill the
    index afresh. Run by migration 0009 and after every `migrate` (a migration that remakes a
    table, as SQLite's ALTER TABLE must, drops its triggers). Returns whether it made any."""
    if connection_.vendor != "sqlite":
        return False
    sqlite_function_register(connection_)
    triggers = _triggers()
    with connection_.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = %s OR name = %s OR type = 'trigger'",
            [FTS, _VIEW],
        )
        present = {name for (name,) in cursor.fetchall()}
        missing = [name for name in (FTS, _VIEW, *triggers) if name not in present]
        if not missing:
            return False
        cursor.execute(_VIEW_SQL)
        cursor.execute(_FTS_SQL)
        for sql in triggers.values():
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES('rebuild')")
    return True


def sqlite_uninstall(connection_=connection) -> None:
    with connection_.cursor() as cursor:
        for name in _triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
        cursor.execute(f"DROP VIEW IF EXISTS {_VIEW}")


def search_stale() -> list[str]:
    """Every claim whose indexed words disagree with a fresh computation, named (empty when the
    index is true)."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(_STALE_POSTGRES)
            return [f"Claim #{pk}: search vector stale" for (pk,) in cursor.fetchall()]
    if connection.vendor != "sqlite":
        return []
    # A fresh index of the view beside the kept one, and both read back term by term through
    # fts5vocab: every (term, claim, column, position) of one must be in the other.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS temp.claims_fts_fresh")
        cursor.execute(
            f"CREATE VIRTUAL TABLE temp.claims_fts_fresh USING fts5({', '.join(_COLUMNS)}, "
            f"tokenize='{_TOKENIZE}')"
        )
        cursor.execute(
            f"INSERT INTO temp.claims_fts_fresh(rowid, {', '.join(_COLUMNS)}) "
            f"SELECT claim_id, {', '.join(_COLUMNS)} FROM {_VIEW}"
        )
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.claims_fts_kept_terms "
            f"USING fts5vocab(main, {FTS}, instance)"
        )
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.claims_fts_fresh_terms "
            "USING fts5vocab(temp, claims_fts_fresh, instance)"
        )
        cursor.execute(
            "SELECT doc, 'missing', term FROM (SELECT * FROM temp.claims_fts_fresh_terms "
            "EXCEPT SELECT * FROM temp.claims_fts_kept_terms) "
            "UNION SELECT doc, 'left over', term FROM (SELECT * FROM temp.claims_fts_kept_terms "
            "EXCEPT SELECT * FROM temp.claims_fts_fresh_terms) ORDER BY 1, 2, 3 LIMIT 50"
        )
        stale = [f"Claim #{doc}: word {term!r} {what}" for doc, what, term in cursor.fetchall()]
        for name in ("claims_fts_kept_terms", "claims_fts_fresh_terms", "claims_fts_fresh"):
            cursor.execute(f"DROP TABLE temp.{name}")
    return stale


# ---------------------------------------------------------------------------------------------
# Queries

# PostgreSQL's English stop words (tsearch_data/english.stop), which its queries skip: FTS5
# indexes every word, so a query skips them too, and "the camps" finds on SQLite what it does
# on PostgreSQL.
_STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which who
    whom this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now""".split()
)
_QUERY_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")  # what unicode61 takes for a word: letters, digits


def fts_query(q: str) -> tuple[str | None, str | None]:
    """`q` in web-search syntax (as PostgreSQL's websearch_to_tsquery reads it: words, "a
    phrase", OR between two terms, -word) as FTS5 queries: (what must match, what must not),
    either None. Each term is a phrase of its words (FTS5's strings, in double quotes), CJK runs
    as their bigrams; a word alone that PostgreSQL would skip (a stop word) is skipped."""
    groups: list[list[str]] = []  # terms ANDed; each a list of alternatives ORed
    negative: list[str] = []
    joined = False  # the last term was followed by OR
    for match in _QUERY_TERM.finditer(q):
        quoted = match.group(2) is not None
        minus, words = match.group(1, 2) if quoted else match.group(3, 4)
        if not quoted and minus == "" and words.upper() == "OR":
            joined = bool(groups)
            continue
        tokens = _WORD.findall(cjk_bigrams(words))
        if not quoted and len(tokens) == 1 and tokens[0].lower() in _STOP_WORDS:
            continue
        if not tokens:
            continue
        phrase = '"' + " ".join(tokens) + '"'
        if minus:
            negative.append(phrase)
        elif joined:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        joined = False
    positive = " AND ".join(
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups
    )
    return positive or None, " OR ".join(negative) or None


_MATCHING = f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"


def _match(q: str) -> str | None:
    """`q` as one FTS5 query, if it has words a claim must have."""
    return _match_of(*fts_query(q))


def _match_of(positive: str | None, negative: str | None) -> str | None:
    if positive is None:
        return None
    return f"({positive}) NOT ({negative})" if negative else positive


def claims_search(
    queryset: QuerySet, q: str, *, near_start: bool = True, matches: int | None = None
) -> QuerySet:
    """Claims matching `q` (web-search syntax), in the queryset's order (`claims_ranked` ranks
    them). `near_start`: the rows wanted are among the first few pages (or after a keyset
    cursor), which a broad search finds sooner another way. `matches`: index_matches(q), if
    known already."""
    if _postgres():
        return queryset.filter(search_vector=_postgres_query(q))
    positive, negative = fts_query(q)
    if positive is None and negative is None:
        return queryset.none()
    if positive is None:  # only words it must not have
        return queryset.exclude(pk__in=RawSQL(_MATCHING, [negative]))
    match = _match_of(positive, negative)
    if (index_matches(q) if matches is None else matches) <= settings.RANK_MAX_MATCHES:
        # Few: each match's row read by its id, the index joined (which claims_ranked ranks).
        return queryset.filter(search_index__match=match)
    # Many (a broad search, listed newest first and not counted): the claims read along the
    # index their order wants until a page is full. Near the start, each is looked up in the
    # index (2.7 ms for the first page of 55,893 matches, at 100,000 claims); further on, that
    # costs a lookup for every claim passed (285 ms at page 100), so each is asked of the list
    # of all matches, made once (15 ms); `+id` keeps SQLite from starting at every match
    # instead (and sorting them all).
    from .models import ClaimSearchIndex

    if near_start:
        return queryset.filter(
            Exists(ClaimSearchIndex.objects.filter(claim=OuterRef("pk"), match=match))
        )
    return queryset.alias(
        _search_id=Func(F("pk"), template="+%(expressions)s", output_field=BigIntegerField())
    ).filter(_search_id__in=RawSQL(_MATCHING, [match]))


def index_matches(q: str) -> int | None:
    """How many claims (drafts too) SQLite's index finds for `q`, from the index alone, counted
    up to twice settings.RANK_MAX_MATCHES and one (enough to tell a broad search: counting all
    55,893 matches of "rights" took 5 ms, the first 10,001 1 ms): a guide to how broad a search
    is. None on PostgreSQL, or for a search with no words to find."""
    match = None if _postgres() else _match(q)
    if match is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s LIMIT %s)",
            [match, 2 * settings.RANK_MAX_MATCHES + 1],
        )
        return cursor.fetchone()[0]


def claims_surely_more_than(matches: int | None, limit: int) -> bool:
    """Whether more than `limit` published claims surely match a search that the index finds
    `matches` claims for (index_matches): its matches less every draft are more. Known in a
    moment, without counting them; if not sure, False."""
    if matches is None or matches <= limit:
        return False
    from .models import Claim

    return matches - Claim.objects.filter(published=False).count() > limit


def claims_ranked(queryset: QuerySet, q: str) -> QuerySet:
    """The claims of `claims_search(…, q)`, best first."""
    if _postgres():
        rank = SearchRank(F("search_vector"), _postgres_query(q))
        return queryset.annotate(search_rank=rank).order_by("-search_rank", "-pk")
    match = _match(q)
    if match is None:  # only words it must not have: no relevance to rank by
        return queryset.order_by("-published_at", "-pk")
    # Joined to the index, which ranks the matches in one pass: bm25 with the columns' weights,
    # lower is better. Called by name: FTS5's `rank` column, configured to the same call, took
    # five times as long (10 ms against 1.6 for 1,749 matches).
    if FTS not in queryset.query.alias_map:  # not joined to the index yet (a broad search)
        queryset = queryset.filter(search_index__match=match)
    return queryset.annotate(search_rank=RawSQL(f"-bm25({FTS}, {_WEIGHTS})", ())).order_by(
        "-search_rank", "-pk"
    )


def _postgres_query(q: str) -> SearchQuery:
    return SearchQuery(cjk_bigrams(q), search_type="websearch", config=CONFIG)


def headlines(claims: list, q: str) -> None:
    """Give each of `claims` its text with the words `q` matched marked (`search_headline`,
    the marks between sentinels: see `highlighted`)."""
    from .models import Claim

    ids = [claim.pk for claim in claims]
    if not ids:
        return
    if _postgres():
        query = _postgres_query(q)
        marked = Claim.objects.filter(pk__in=ids).annotate(
            headline=SearchHeadline(
                Func(F("text"), function="cjk_bigrams", output_field=TextField()),
                query,
                config=CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                highlight_all=True,
            )
        )
        found = dict(marked.values_list("pk", "headline"))
    else:
        match = _match(q)
        found = {}
        if match is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT rowid, highlight({FTS}, 1, char(2), char(3)) FROM {FTS} "
                    f"WHERE {FTS} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})",
                    [match, *ids],
                )
                found = dict(cursor.fetchall())
    for claim in claims:
        if claim.pk in found:
            claim.search_headline = _bigrams_undone(found[claim.pk])


def _bigrams_undone(marked: str) -> str:
    """A marked text of `cjk_bigrams` back as the original text, each character marked if any
    bigram it is in was: "정치\x1f\x02치범\x03\x1f범수" -> "정\x02치범\x03수"."""
    if _JOIN not in marked:  # no CJK run of three characters or more: nothing to undo
        return marked
    chars: list[list] = []  # [character, marked]
    marking = False
    i = 0
    while i < len(marked):
        ch = marked[i]
        if ch in (_START, _STOP):
            marking = ch == _START
        elif ch == _JOIN:  # the next bigram: its first character is the last one again
            i += 1
            while i < len(marked) and marked[i] in (_START, _STOP):
                marking = marked[i] == _START
                i += 1
            if marking and chars:
                chars[-1][1] = True
        else:
            chars.append([ch, marking])
        i += 1
    out, inside = [], False
    for ch, is_marked in chars:
        if is_marked != inside:
            out.append(_START if is_marked else _STOP)
            inside = is_marked
        out.append(ch)
    if inside:
        out.append(_STOP)
    return "".join(out)


def highlighted(headline: str) -> str:
    """A search headline as safe HTML: the text escaped, the matches in <mark>."""
    return mark_safe(escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>"))
