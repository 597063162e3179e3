"""Job handlers of the annotations app (autodiscovered by apps.core)."""

from apps.audit.services import audit_record
from apps.core.jobs import JobItemFailed, register_job_handler


@register_job_handler("annotations.bulk_tag")
def bulk_tag(*, job, item) -> dict:
    """Add or remove one tag on a batch of SIMs (one bulk statement). Idempotent: SIMs that already have
    (or lack) the tag are left alone, so a re-run changes nothing twice."""
    from .models import Tag
    from .services import tags_bulk_apply

    payload = item.payload
    tag = Tag.objects.filter(pk=payload["tag"]).first()
    if tag is None:
        raise JobItemFailed(f"The tag {job.params.get('tag_name', '')!r} was deleted meanwhile.")
    changed = tags_bulk_apply(tag_id=tag.pk, sids=payload["sids"], add=payload["add"])
    audit_record(
        action="sim.bulk_tag_add" if payload["add"] else "sim.bulk_tag_remove",
        user=job.created_by,
        object_type="job",
        object_id=str(job.pk),
        object_repr=job.title,
        after={"tag": tag.name, "sims": len(payload["sids"]), "changed": changed},
    )
    return {"sims": len(payload["sids"]), "changed": changed}
