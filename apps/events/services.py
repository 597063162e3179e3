"""Writes of connection events: receiving a delivery (the durable write), processing a batch (events,
dead letters, SIM state) and pruning past the retention."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import ConnectionEvent, DeadLetter, EventBatch, SimConnectionState
from .parse import BadEvent, parse_event
from .signals import connection_events_processed
from .state import apply_event

logger = logging.getLogger(__name__)

BATCH_TYPES = ("application/cloudevents-batch+json",)
CE_HEADERS = ("id", "source", "specversion", "type", "subject", "time", "dataschema")


class IngestError(ValueError):
    """A delivery that cannot be kept at all (answered 4xx with ``message``, nothing stored)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _binary_event(headers, body: bytes, content_type: str) -> dict:
    """A binary-mode CloudEvent (``ce-*`` headers, the data as the body) as a structured one."""
    member = {key: headers[f"ce-{key}"] for key in CE_HEADERS if headers.get(f"ce-{key}")}
    member["datacontenttype"] = content_type or "application/json"
    try:
        member["data"] = json.loads(body)
    except ValueError:
        member["data"] = body.decode("utf-8", errors="replace")
    return member


def receive(*, body: bytes, content_type: str, headers, remote_addr: str = "") -> EventBatch:
    """Keep one delivery (structured event, batch or binary mode) as an :class:`EventBatch` and have it
    processed on the ``events`` queue once the row is committed (:func:`queue_batch`). The body is kept as
    received (only checked to be a JSON object or array, its members counted; binary mode is converted to a
    structured event). Raises :class:`IngestError` for a body that is not JSON (or not an object / array),
    nothing stored."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    if headers.get("ce-type") or headers.get("ce-specversion"):
        members, mode = [_binary_event(headers, body, content_type)], "binary"
        text = json.dumps(members, ensure_ascii=False, separators=(",", ":"))
    else:
        try:
            text = body.decode("utf-8")
            value = json.loads(text)
        except ValueError as exc:
            raise IngestError(f"the body is not JSON ({exc})") from exc
        if isinstance(value, list):
            members, mode = value, "batch"
        elif isinstance(value, dict) and content_type not in BATCH_TYPES:
            members, mode = [value], "structured"
        else:
            raise IngestError("expected a CloudEvent (a JSON object) or a batch (a JSON array)")
    if not members:
        raise IngestError("an empty batch")
    if "\\u0000" in text or "\x00" in text:
        raise IngestError("the body holds a NUL character")
    batch = EventBatch.objects.create(
        mode=mode, remote_addr=remote_addr[:64], body=text, size=len(body), members=len(members)
    )
    transaction.on_commit(lambda: queue_batch(batch.pk))
    return batch


KICK_KEY = "events:processing"
KICK_SECONDS = 30
PENDING_BATCHES = 100  # batches merged into one processing transaction


def queue_batch(batch_id: int) -> None:
    """Have a committed batch processed. With a broker, one ``events.process_pending`` message at a time
    (a Redis ``SET NX`` marks one as on its way: a burst of deliveries costs one message, and the worker
    merges the batches it finds); eagerly (no broker: ``make run``, tests) the batch itself, now."""
    from .tasks import process_batch_task, process_pending_task

    if process_batch_task.app.conf.task_always_eager:
        process_batch_task.delay(batch_id)
        return
    from django.core.cache import cache

    try:
        if cache.add(KICK_KEY, 1, timeout=KICK_SECONDS):
            process_pending_task.delay()
    except Exception:  # noqa: BLE001 - Redis down: the delivery is kept, beat's sweep processes it
        logger.warning("connection events: batch %s kept, not queued (broker unreachable)", batch_id)


def process_all_pending() -> int:
    """What ``events.process_pending`` runs: process queued batches until none is left, then clear the
    "on its way" mark and look once more (a batch committed while the mark was set found no message to
    send). Returns the number of batches processed."""
    from django.core.cache import cache

    total = 0
    while True:
        done = process_pending()
        total += done
        if done:
            continue
        cache.delete(KICK_KEY)
        done = process_pending()
        total += done
        if not done:
            return total


def process_pending(*, limit: int = PENDING_BATCHES) -> int:
    """Process up to ``limit`` queued batches (oldest first; those another worker holds are skipped) in
    one transaction. Returns how many."""
    with transaction.atomic():
        batches = list(
            EventBatch.objects.select_for_update(skip_locked=True)
            .filter(status=EventBatch.Status.QUEUED)
            .order_by("id")[:limit]
        )
        if batches:
            _process(batches)
    return len(batches)


def process_batch(batch_id: int) -> EventBatch | None:
    """Store the events of a queued batch once each, keep its malformed members as dead letters and move
    the state of each SIM concerned; all in one transaction (a worker killed half-way leaves the batch queued
    and nothing of it written; running it again is harmless). ``None`` if the batch is gone or processed."""
    with transaction.atomic():
        batch = (
            EventBatch.objects.select_for_update()
            .filter(pk=batch_id, status=EventBatch.Status.QUEUED)
            .first()
        )
        if batch is None:
            return None
        _process([batch])
    return batch


def _process(batches: list[EventBatch]) -> None:
    """The events of ``batches`` (locked, in this transaction) stored once each (a second copy in the same
    or another batch, or already stored, is a duplicate of the batch it came in), their bad members kept as
    dead letters, the SIMs' state moved, each batch marked processed with its counts."""
    dead: list[DeadLetter] = []
    parsed: list[tuple[EventBatch, dict]] = []
    counts = {b.pk: {"stored": 0, "duplicates": 0, "dead": 0} for b in batches}
    for batch in batches:
        value = json.loads(batch.body)
        for position, member in enumerate(value if isinstance(value, list) else [value]):
            try:
                parsed.append((batch, parse_event(member)))
            except BadEvent as exc:
                dead.append(
                    DeadLetter(batch=batch, position=position, reason=str(exc)[:255], member=_text(member))
                )
                counts[batch.pk]["dead"] += 1
    sids = {e["event_sid"] for _, e in parsed}
    ce_ids = {e["ce_id"] for _, e in parsed if e["ce_id"]}
    known = set(ConnectionEvent.objects.filter(event_sid__in=list(sids)).values_list("event_sid", flat=True))
    known_ce = (
        set(ConnectionEvent.objects.filter(ce_id__in=list(ce_ids)).values_list("ce_id", flat=True))
        if ce_ids
        else set()
    )
    new: list[ConnectionEvent] = []
    fields: list[dict] = []
    for batch, event in parsed:
        if event["event_sid"] in known or (event["ce_id"] and event["ce_id"] in known_ce):
            counts[batch.pk]["duplicates"] += 1
            continue
        known.add(event["event_sid"])
        if event["ce_id"]:
            known_ce.add(event["ce_id"])
        counts[batch.pk]["stored"] += 1
        new.append(ConnectionEvent(received_at=batch.received_at, batch_id=batch.pk, **event))
        fields.append(event)
    # the same event stored meanwhile by another worker: skipped
    ConnectionEvent.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    DeadLetter.objects.bulk_create(dead, batch_size=1000)
    update_states(fields)
    now = timezone.now()
    for batch in batches:
        batch.status, batch.processed_at = EventBatch.Status.PROCESSED, now
        batch.stored, batch.duplicates, batch.dead = (
            counts[batch.pk][k] for k in ("stored", "duplicates", "dead")
        )
    done = ["status", "processed_at", "stored", "duplicates", "dead"]
    if len(batches) == 1:
        batches[0].save(update_fields=done)
    else:
        EventBatch.objects.bulk_update(batches, done, batch_size=PENDING_BATCHES)
    connection_events_processed.send(sender=EventBatch, batches=batches)


def update_states(events: list[dict]) -> None:
    """Move the state of each SIM of ``events`` forward (rows locked in a fixed order, events applied in
    time order, one write per SIM). A SIM seen for the first time gets its row first (a concurrent worker
    creating the same row is no conflict: both then lock it)."""
    by_sim: dict[str, list[dict]] = {}
    for event in events:
        by_sim.setdefault(event["sim_sid"], []).append(event)
    if not by_sim:
        return
    sids = sorted(by_sim)
    locked = SimConnectionState.objects.select_for_update().order_by("sim_sid")
    states = {s.sim_sid: s for s in locked.filter(sim_sid__in=sids)}
    missing = [sid for sid in sids if sid not in states]
    if missing:
        SimConnectionState.objects.bulk_create(
            [SimConnectionState(sim_sid=sid) for sid in missing], ignore_conflicts=True
        )
        states.update({s.sim_sid: s for s in locked.filter(sim_sid__in=missing)})
    now = timezone.now()
    for sid in sids:
        for event in sorted(by_sim[sid], key=lambda e: e["timestamp"]):
            apply_event(states[sid], event)
        states[sid].updated_at = now
    _save_states([states[sid] for sid in sids])


def _save_states(states: list[SimConnectionState]) -> None:
    """One ``UPDATE ... WHERE sim_sid = %s`` of every column, sent with ``executemany`` (psycopg pipelines
    it: one round trip per batch instead of one per SIM; Django's ``bulk_update`` builds a CASE per column
    and row, ten times slower than saving one by one)."""
    fields = [f for f in SimConnectionState._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - names from the model, values bound
        qn(SimConnectionState._meta.db_table),
        ", ".join(f"{qn(f.column)} = %s" for f in fields),
        qn(SimConnectionState._meta.pk.column),
    )
    rows = [[f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields] + [s.pk] for s in states]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _text(member) -> str:
    try:
        return json.dumps(member, ensure_ascii=False)[:100_000]
    except (TypeError, ValueError):
        return str(member)[:100_000]


def prune(*, now=None, batch_size: int | None = None) -> dict:
    """Delete events older than ``CONNECTION_EVENTS_RETENTION_DAYS`` (by event time), and processed batches
    and dead letters received before it, ``CONNECTION_EVENTS_PRUNE_BATCH`` rows per short transaction (no
    long lock). Returns the counts deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONNECTION_EVENTS_RETENTION_DAYS)
    size = batch_size or settings.CONNECTION_EVENTS_PRUNE_BATCH
    counts = {}
    for name, queryset in (
        ("events", ConnectionEvent.objects.filter(timestamp__lt=cutoff)),
        ("dead_letters", DeadLetter.objects.filter(received_at__lt=cutoff)),
        ("batches", EventBatch.objects.filter(received_at__lt=cutoff, status=EventBatch.Status.PROCESSED)),
    ):
        total = 0
        while True:
            ids = list(queryset.order_by().values_list("pk", flat=True)[:size])
            if not ids:
                break
            with transaction.atomic():
                total += queryset.model.objects.filter(pk__in=ids).delete()[0]
        counts[name] = total
    return counts
