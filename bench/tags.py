"""Tags and custom fields at 1,000 and at 100,000 SIMs (design size), side by side in one run.

Run by hand:  .venv/bin/python bench/tags.py [--requests 100] [--small 1000] [--large 100000] [--json PATH]
Uses a throw-away test database (bench/_testdb.py): a temporary SQLite file by default, or a ``test_...``
database on the server named by DATABASE_URL (PostgreSQL), e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/supersim_bench .venv/bin/python bench/tags.py``.

Rows are bulk-created as bench/pages.py does (1,000 fleets, SIMs spread over them); 20 tags, two on every
SIM (so each tag is on ~10% of the SIMs), and 5 custom fields (text, integer, decimal, boolean, date) with a
value on every SIM. Each list URL is requested ``--requests`` times through the Django test client (all
middleware, templates, a logged-in viewer); printed: p50/p95 server time and the queries of one request, at
both sizes. Then the bulk tag: the SIM list's bulk form, confirmed, adds a new tag to the 10,000 SIMs of a
filter, as a job run in-process (Celery eager) - timed from the POST to the job's final state.
Targets: tag filter (any of 3) and custom field filter p95 < 50 ms at 100k with the same query count as at
1k; bulk tag of 10,000 SIMs < 10 s. ``--json PATH`` writes every figure as one flat JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supersim_admin.settings")
os.environ.setdefault("SUPERSIM_IGNORE_DOTENV", "1")

N_TAGS = 20
FIELDS = [("site", "text"), ("floor", "integer"), ("weight", "decimal"), ("ok", "boolean"), ("since", "date")]
BASE_DAY = dt.date(2024, 1, 1)


def make_definitions() -> None:
    from apps.annotations.models import CustomField, Tag

    Tag.objects.bulk_create([Tag(name=f"tag-{i:02d}") for i in range(N_TAGS)])
    CustomField.objects.bulk_create(
        [
            CustomField(object_type="sim", name=name, label=name.title(), field_type=kind)
            for name, kind in FIELDS
        ]
    )


def annotate_sims(start: int, stop: int) -> None:
    """Two tags per SIM (``i % 20`` and ``(7i + 3) % 20``, never the same) and a value of every field."""
    from apps.annotations.models import CustomField, CustomFieldValue, Tag, TagAssignment

    tags = list(Tag.objects.order_by("name").values_list("pk", flat=True))
    fields = {f.name: f.pk for f in CustomField.objects.all()}
    assignments, values = [], []
    for i in range(start, stop):
        sid = f"HS{i:032x}"
        first, second = i % N_TAGS, (7 * i + 3) % N_TAGS
        second = second if second != first else (first + 1) % N_TAGS
        assignments += [TagAssignment(tag_id=tags[t], sid=sid, object_type="sim") for t in (first, second)]
        values += [
            CustomFieldValue(field_id=fields["site"], sid=sid, value_text=f"site-{i % 50:02d}"),
            CustomFieldValue(field_id=fields["floor"], sid=sid, value_int=i % 40),
            CustomFieldValue(field_id=fields["weight"], sid=sid, value_decimal=Decimal(i % 1000) / 10),
            CustomFieldValue(field_id=fields["ok"], sid=sid, value_bool=i % 3 == 0),
            CustomFieldValue(
                field_id=fields["since"], sid=sid, value_date=BASE_DAY + dt.timedelta(days=i % 365)
            ),
        ]
        if len(values) >= 20_000:
            TagAssignment.objects.bulk_create(assignments, batch_size=5000)
            CustomFieldValue.objects.bulk_create(values, batch_size=5000)
            assignments, values = [], []
    TagAssignment.objects.bulk_create(assignments, batch_size=5000)
    CustomFieldValue.objects.bulk_create(values, batch_size=5000)


def urls() -> dict[str, str]:
    from django.urls import reverse

    from apps.annotations.models import Tag

    ids = list(Tag.objects.order_by("name").values_list("pk", flat=True))
    base = reverse("sims:sim_list")
    return {
        "tag any of 3": f"{base}?tag={ids[1]}&tag={ids[5]}&tag={ids[9]}",
        "tag all of 2": f"{base}?tag={ids[3]}&tag={ids[4]}&tag_mode=all",
        "tag none of 1": f"{base}?tag={ids[2]}&tag_mode=none",
        "cf text": f"{base}?cf_site=site-07",
        "cf integer": f"{base}?cf_floor=13",
        "cf date": f"{base}?cf_since=2024-03-01",
        "cf + tag": f"{base}?cf_site=site-07&tag={ids[7]}",
        "sim list (no filter)": base,
    }


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection

    for _ in range(3):  # warm-up (pays the cached COUNT of the filter)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[max(int(len(times) * 0.95) - 1, 0)], len(executed)


def measure_sql(url: str, requests: int) -> tuple[float, float]:
    """p95 of the filter's own database work: the first page of 50 rows; the (uncached) COUNT(*)."""
    from urllib.parse import parse_qs, urlsplit

    from django.http import QueryDict

    from apps.sims.filtersets import SimFilterSet
    from apps.sims.selectors import sim_list_queryset

    query = QueryDict(mutable=True)
    for key, values in parse_qs(urlsplit(url).query).items():
        query.setlist(key, values)
    page, count = [], []
    for _ in range(requests):
        started = time.perf_counter()
        filterset = SimFilterSet(query, queryset=sim_list_queryset())
        assert filterset.is_valid(), filterset.errors
        list(filterset.qs[:50])
        middle = time.perf_counter()
        filterset.qs.count()
        page.append((middle - started) * 1000)
        count.append((time.perf_counter() - middle) * 1000)
    page.sort()
    count.sort()
    at = max(int(requests * 0.95) - 1, 0)
    return page[at], count[at]


def bulk_tag(client) -> tuple[float, int, str]:
    """The bulk form, scope "every SIM matching the filter" ``tag=<a tag on ~10% of the SIMs>`` (10,000
    SIMs at 100k), confirmed with the count: seconds from the POST to the job's final state, SIMs tagged,
    the job's status."""
    from django.conf import settings
    from django.urls import reverse

    from apps.annotations.models import Tag, TagAssignment
    from apps.core.models import Job
    from supersim_admin.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.JOBS_RUN_IN_THREAD = False
    app.conf.task_always_eager = True
    source = Tag.objects.get(name="tag-00")  # on ~10% of the SIMs
    matched = TagAssignment.objects.filter(tag=source).count()
    new = Tag.objects.create(name="bulk-bench")
    form = {"bulk_action": "tag", "bulk_tag": new.pk, "bulk_scope": "filter", "tag": source.pk}
    started = time.perf_counter()
    response = client.post(reverse("sims:sim_bulk"), {**form, "bulk_confirmed": matched})
    assert response.status_code == 302, response.status_code
    job = Job.objects.order_by("-pk").first()
    while not job.is_final:
        time.sleep(0.05)
        job.refresh_from_db()
    elapsed = time.perf_counter() - started
    return elapsed, TagAssignment.objects.filter(tag=new).count(), job.status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--fleets", type=int, default=1000)
    parser.add_argument("--json", metavar="PATH", help="write the figures as one flat JSON object")
    args = parser.parse_args()

    from _testdb import throwaway_database  # bench/ (the script's own folder)
    from pages import add_sims, analyze, make_rows

    with throwaway_database("tags") as test_name:
        from django.db import connection
        from django.test import Client

        from apps.core.testing import make_user

        print(f"database: {connection.vendor} ({test_name}); {args.requests} requests per URL")
        print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        make_rows(args.fleets, 50)
        make_definitions()
        viewer, operator = Client(), Client()
        viewer.force_login(make_user("bench-viewer", "viewer"))
        operator.force_login(make_user("bench-operator", "operator"))
        results: dict[int, dict[str, tuple[float, float, int]]] = {}
        sql: dict[int, dict[str, float]] = {}
        done = 0
        for size in (args.small, args.large):
            started = time.perf_counter()
            add_sims(done, size, args.fleets)
            annotate_sims(done, size)
            done = size
            analyze()
            print(
                f"{size:,} SIMs ({2 * size:,} tags on them, {5 * size:,} values) in {time.perf_counter() - started:.1f}s"
            )
            results[size] = {name: measure(viewer, url, args.requests) for name, url in urls().items()}
            sql[size] = {name: measure_sql(url, max(args.requests // 4, 5)) for name, url in urls().items()}
        small, large = results[args.small], results[args.large]
        flat: dict[str, float | int | str] = {
            "database": connection.vendor,
            "sims_small": args.small,
            "sims_large": args.large,
            "load_1m_before": round(os.getloadavg()[0], 2),
        }
        print()
        print(
            f"{'URL':22} {'p50 ' + f'{args.small:,}':>11} {'p95':>8} {'q':>3} {'p50 ' + f'{args.large:,}':>13} {'p95':>8} {'q':>3}"
        )
        for name in large:
            s50, s95, sq = small[name]
            l50, l95, lq = large[name]
            flag = "" if l95 < 50 and lq == sq else "  <-- over target"
            (s_sql, s_count), (l_sql, l_count) = sql[args.small][name], sql[args.large][name]
            print(
                f"{name:22} {s50:9.1f}ms {s95:6.1f}ms {sq:3d} {l50:11.1f}ms {l95:6.1f}ms {lq:3d}"
                f"  {s_sql:6.1f} / {l_sql:6.1f}ms  {s_count:6.1f} / {l_count:6.1f}ms{flag}"
            )
            key = name.replace(" ", "_").replace("(", "").replace(")", "").replace("+", "and")
            flat |= {
                f"{key}_p50_ms_small": round(s50, 2),
                f"{key}_p95_ms_small": round(s95, 2),
                f"{key}_queries_small": sq,
                f"{key}_p50_ms_large": round(l50, 2),
                f"{key}_p95_ms_large": round(l95, 2),
                f"{key}_queries_large": lq,
                f"{key}_sql_page_p95_ms_small": round(s_sql, 2),
                f"{key}_sql_page_p95_ms_large": round(l_sql, 2),
                f"{key}_sql_count_p95_ms_small": round(s_count, 2),
                f"{key}_sql_count_p95_ms_large": round(l_count, 2),
            }
        elapsed, tagged, status = bulk_tag(operator)
        flag = "" if elapsed < 10 * max(tagged, 1) / 10_000 else "  <-- over target"
        print(f"\nbulk tag of {tagged:,} SIMs (job {status}): {elapsed:.2f}s{flag}")
        load = os.getloadavg()
        print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        flat |= {"bulk_tag_sims": tagged, "bulk_tag_seconds": round(elapsed, 2), "bulk_tag_status": status}
        flat |= {"load_1m_after": round(load[0], 2), "load_5m_after": round(load[1], 2)}
        if args.json:
            Path(args.json).write_text(json.dumps(flat, indent=1) + "\n")
            print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
