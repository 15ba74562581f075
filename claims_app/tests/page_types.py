"""One address for each kind of public HTML page, on the seed data: what the markup,
accessibility and keyboard tests visit, and what `make screenshots` photographs.

`seed_with_every_page_type()` loads the seed and adds the states the seed never shows (a
passage whose source was edited since, a deleted passage, a report read from pages, with a
passage across a page break, and a transcript, its witness's words cited); `page_types()` then
names one address of each kind. A new public page needs a line here."""

import io

from django.core.management import call_command

from claims_app import anchoring
from claims_app.models import Claim, DeletedPassage, Passage, Source

from .factories import (
    ActorFactory,
    ClaimFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
)

# Seed objects chosen because each shows its page at its fullest: a disputed figure with
# statements, disputes and a counterclaim; an actor on both sides; a topic with estimates.
CLAIM = "north-korea-holds-more-than-130000-political-prisoners"
ACTOR = "konstantin-asmolov"
SOURCE = "neo-2023-failed-attack"
TOPIC = "political-prisoners"
EDITED_SOURCE = "a-report-edited-since"
PAGED_SOURCE = "a-report-read-from-pages"
TRANSCRIPT = "a-hearing-transcript"
PAGES = [
    "Report on detention. Summary of findings.",
    "The inquiry heard that the camps held more than",
    "100,000 people at the time of writing, and that the figure was uncertain.",
]


def seed_with_every_page_type() -> None:
    call_command("setup_local", stdout=io.StringIO())
    edited = SourceFactory(title="A report edited since it was cited", slug=EDITED_SOURCE)
    changed = PassageFactory(source=edited, words="more than 130,000 people")
    gone = PassageFactory(source=edited, words="Critics asked how the figure was estimated")
    claim = ClaimFactory(text="The report's figure was revised.", slug="a-revised-figure")
    StatementFactory(claim=claim, passage=changed)
    StatementFactory(claim=claim, passage=gone)
    claim.statements.filter(passage=gone).delete()
    gone.delete()
    edited.text = edited.text.replace("more than 130,000", "about 120,000")
    edited.save()
    text, breaks = anchoring.pages_join(PAGES)
    paged = SourceFactory(
        title="A report read from pages", slug=PAGED_SOURCE, text=text, page_breaks=breaks
    )
    StatementFactory(
        claim=ClaimFactory(text="The camps held more than 100,000 people.", slug="paged-figure"),
        passage=PassageFactory(source=paged, words="the camps held more than\n100,000 people"),
    )
    witness = ActorFactory(name="Witness One", kind="person")
    ActorFactory(name="Chair of the Hearing", kind="person")
    transcript = SourceFactory(
        title="A hearing's transcript",
        slug=TRANSCRIPT,
        kind="transcript",
        text="Chair of the Hearing: Where were you held?\nWitness One: I was held at Yodok.",
    )
    StatementFactory(
        claim=ClaimFactory(text="The witness was held at Yodok.", slug="transcript-witness"),
        actor=witness,
        passage=PassageFactory(source=transcript, words="I was held at Yodok."),
    )


def page_types() -> dict[str, str]:
    """Kind of page → an address of it (after `seed_with_every_page_type`)."""
    claim = Claim.objects.get(slug=CLAIM)
    disputed_passage = claim.disputes.order_by("pk").first().passage
    edited = Source.objects.get(slug=EDITED_SOURCE)
    changed = Passage.objects.get(source=edited)
    gone = DeletedPassage.objects.get(source_slug=EDITED_SOURCE)
    return {
        "home": "/",
        "claims": "/claims/",
        "claims searched and faceted": f"/claims/?q=prisoners&status=disputed&topic={TOPIC}",
        "claims with a bad filter": "/claims/?since=not-a-date",
        "claim": claim.get_absolute_url(),
        "actors": "/actors/",
        "actor": f"/actors/{ACTOR}/",
        "sources": "/sources/",
        "source": f"/sources/{SOURCE}/",
        "source at a passage": disputed_passage.in_context_url,
        "source read from pages": f"/sources/{PAGED_SOURCE}/",
        "a page of a source": f"/sources/{PAGED_SOURCE}/pages/2/",
        "passage": disputed_passage.get_absolute_url(),
        "transcript": f"/sources/{TRANSCRIPT}/",
        "passage in a transcript": Passage.objects.get(source__slug=TRANSCRIPT).get_absolute_url(),
        "passage changed since": changed.get_absolute_url(),
        "passage deleted": f"/passages/{gone.pk}/",
        "topic": f"/topics/{TOPIC}/",
        "map": "/map/",
        "not found": "/claims/no-such-claim/",
    }
