"""Merging a claim into another: one claim written twice becomes one (issue 17).

`claim_merge` is a write of its own, as the other services: one transaction, the two claims
locked (concurrency.rows_lock), every row changed through `save()` or `delete()` so that the
history records it and the derived columns and the search index follow (models.py's signals).
"""

from __future__ import annotations

from . import concurrency, derived, search
from .models import Claim, Dispute, MergedClaim, Statement

_QUANTITY = ["quantity_value", "quantity_value_max", "quantity_unit", "quantity_qualifier"]


class MergeRefused(Exception):
    """Two claims that cannot be merged (the same claim, one gone meanwhile, a published one
    into a draft, or a publication the curator may not change)."""


def claim_merge(*, keep_id: int, merged_id: int, may_publish: bool) -> Claim:
    """Merge claim `merged_id` into claim `keep_id`, which stays: the merged claim's statements
    and disputes move to it (one whose actor and passage it already has in a statement, or in a
    dispute, is not doubled: the row it has takes the other's note, date and "reported" where
    it has none, and the merge is refused, saying which, where the two differ in what cannot
    be combined: a dispute's kind or counterclaim, two dates), its topics are added, its
    quantity is kept if the claim that stays has none, dispute counterclaims naming it name the
    claim that stays (none, where that would be the disputed claim itself), and it is deleted.
    Each public address it has had (its slug if published, and its earlier published ones)
    answers 301 to the claim that stays; a draft's slug is left free.
    A published claim is merged only into a published one (its address must keep leading to a
    public page); a draft into a published one publishes the draft's statements, so merging
    two claims of different publication needs `may_publish` (the permission to publish).
    Returns the claim that stays."""
    if keep_id == merged_id:
        raise MergeRefused("A claim cannot be merged into itself.")
    return concurrency.write_retried(lambda: _merge(keep_id, merged_id, may_publish))


def _merge(keep_id: int, merged_id: int, may_publish: bool) -> Claim:
    concurrency.rows_lock(claim_ids=[keep_id, merged_id])
    claims = Claim.objects.in_bulk([keep_id, merged_id])
    if len(claims) < 2:
        raise MergeRefused("One of the two claims is gone: someone merged or deleted it.")
    keep, merged = claims[keep_id], claims[merged_id]
    if merged.published and not keep.published:
        raise MergeRefused(
            f"Claim #{merged.pk} is published and #{keep.pk} a draft: its public address would "
            "lead to a page nobody may see. Publish the claim that stays first, or keep the "
            "published one."
        )
    if merged.published != keep.published and not may_publish:
        raise MergeRefused(
            f"Merging draft #{merged.pk} into published #{keep.pk} publishes its statements "
            "and disputes: that needs the permission to publish claims."
        )
    reason = f"merged claim #{merged.pk} into #{keep.pk}"
    doubled = _rows_doubled(keep, merged)
    clashes = [clash for kept, dropped in doubled for clash in _clashes(kept, dropped)]
    if clashes:
        raise MergeRefused(
            "Both claims have the same actor citing the same passage, differently: "
            + "; ".join(clashes)
            + ". Make them agree (or delete one) on either claim, and merge again."
        )
    for kept, dropped in doubled:
        _fold(kept, dropped)
        kept._change_reason = dropped._change_reason = reason
        kept.save()
        dropped.delete()

    for model in (Statement, Dispute):
        held = set(model.objects.filter(claim=keep).values_list("actor_id", "passage_id"))
        for row in model.objects.filter(claim=merged).order_by("pk"):
            row._change_reason = reason
            if (row.actor_id, row.passage_id) in held:  # folded above, or gone since
                continue
            held.add((row.actor_id, row.passage_id))
            row.claim = keep
            if model is Dispute and row.counterclaim_id == keep.pk:
                row.counterclaim = None
            row.save()
    for dispute in Dispute.objects.filter(counterclaim=merged):
        dispute._change_reason = reason
        dispute.counterclaim = None if dispute.claim_id == keep.pk else keep
        dispute.save()

    if keep.quantity_value is None and merged.quantity_value is not None:
        for name in _QUANTITY:
            setattr(keep, name, getattr(merged, name))
    keep._change_reason = reason
    keep.save()
    keep.topics.add(*merged.topics.all())

    # Only addresses that were public: a draft's slug would reveal its wording, and be taken.
    slugs = set(merged.history.filter(published=True).values_list("slug", flat=True))
    if merged.published:
        slugs.add(merged.slug)
    # (A slug another claim has taken since is that claim's address now.)
    slugs -= set(
        Claim.objects.filter(slug__in=slugs).exclude(pk=merged.pk).values_list("slug", flat=True)
    )
    # Addresses that led to the merged claim lead on to the one it goes into.
    for moved in MergedClaim.objects.filter(claim=merged):
        moved.claim = keep
        moved.save()
    slugs -= set(MergedClaim.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    for slug in sorted(slugs):
        MergedClaim.objects.create(slug=slug, claim=keep, merged_claim_id=merged.pk)

    merged._change_reason = reason
    merged.delete()
    derived.derived_refresh(claim_ids=[keep.pk])
    search.claims_search_refresh(claim_ids=[keep.pk])
    return keep


def _rows_doubled(keep: Claim, merged: Claim) -> list[tuple]:
    """The statements and disputes both claims have (the same actor citing the same passage),
    as (the kept claim's row, the merged claim's)."""
    pairs = []
    for model in (Statement, Dispute):
        kept = {(row.actor_id, row.passage_id): row for row in model.objects.filter(claim=keep)}
        rows = model.objects.filter(claim=merged).select_related("actor").order_by("pk")
        pairs += [
            (kept[key], row) for row in rows if (key := (row.actor_id, row.passage_id)) in kept
        ]
    return pairs


def _counterclaim_after(dispute: Dispute, pair: set[int]) -> int | None:
    # Naming either of the two claims, it would name the disputed claim itself once merged.
    return None if dispute.counterclaim_id in pair else dispute.counterclaim_id


def _clashes(kept, dropped) -> list[str]:
    """What the two rows say differently and cannot both keep, in words naming them."""
    who = dropped.actor.name
    clashes = []
    if isinstance(kept, Dispute):
        if kept.kind != dropped.kind:
            clashes.append(f"{who} {kept.kind} it in one and {dropped.kind} it in the other")
        pair = {kept.claim_id, dropped.claim_id}
        mine, theirs = _counterclaim_after(kept, pair), _counterclaim_after(dropped, pair)
        if mine and theirs and mine != theirs:
            clashes.append(f"{who} rests on counterclaim #{mine} in one and #{theirs} in the other")
    if kept.date and dropped.date and kept.date_iso != dropped.date_iso:
        clashes.append(
            f"{who} gives the date {kept.date_iso} in one and {dropped.date_iso} in the other"
        )
    if None not in (kept.reported, dropped.reported) and kept.reported != dropped.reported:
        said = {True: "“reported”", False: "“direct”"}
        clashes.append(
            f"{who} is {said[kept.reported]} in one and {said[dropped.reported]} in the other"
        )
    return clashes


def _fold(kept, dropped) -> None:
    """The kept row takes what only the dropped one says: its note (both kept if they differ),
    date, "reported" and (a dispute's) counterclaim."""
    if dropped.note and dropped.note not in kept.note:
        kept.note = f"{kept.note}\n\n{dropped.note}" if kept.note else dropped.note
    if kept.date is None and dropped.date is not None:
        kept.date, kept.date_precision = dropped.date, dropped.date_precision
    if kept.reported is None:
        kept.reported = dropped.reported
    if isinstance(kept, Dispute):
        pair = {kept.claim_id, dropped.claim_id}
        kept.counterclaim_id = _counterclaim_after(kept, pair) or _counterclaim_after(dropped, pair)
