"""The reads part of bench/events.py (``--part reads``): 30 days of connection events for N SIMs in
PostgreSQL, the pages' server time and query counts at 1,000 and 100,000 SIMs, and the storage question
(a btree on time against a BRIN: size, insert rate, "one SIM newest first", "all in a time window")."""

from __future__ import annotations

import statistics
import time

COLUMNS = (
    "event_sid, ce_id, ce_type, type, timestamp, received_at, sim_sid, iccid, sim_unique_name, fleet_sid, "
    "network_sid, network_name, iso_country, mcc, mnc, rat_type, imei, imsi, apn, ip_address, "
    "data_session_sid, data_upload, data_download, data_total, lac, cell_id, lat, lon, error_code, "
    "error_message, data"
)


def events_sql(first: int, last: int, days: int, per_day: int, tag: str = "") -> str:
    """One INSERT ... SELECT of ``per_day`` events a day for ``days`` days for SIMs ``first``..``last-1``,
    oldest first (rows land in time order, as received), each with a stored CloudEvent of ~700 bytes."""
    n = days * per_day
    return f"""
    INSERT INTO events_connectionevent ({COLUMNS})
    SELECT 'EZ' || md5('{tag}' || i || ':' || k), 'CE' || md5('{tag}' || k || ':' || i),
           'com.kore.supersim.connection.' || t, t, ts, ts, sid, '89883070' || lpad(i::text, 11, '0'), '',
           'HF' || lpad(to_hex(i % 1000), 32, '0'), 'HW' || md5('net' || (i % 40)), 'Network ' || (i % 40),
           'DE', '262', lpad((i % 40)::text, 2, '0'), 'LTE', '35' || lpad(i::text, 13, '0'),
           '26202' || lpad(i::text, 10, '0'), 'super', '10.64.0.1', 'HD' || md5(i || ':' || k),
           (i % 977) * 1000, (i % 991) * 3000, (i % 977) * 1000 + (i % 991) * 3000, '1234', (i * 7)::text,
           48 + (i % 1000) / 100.0, 2 + (i % 700) / 100.0,
           CASE WHEN t = 'attachment.rejected' THEN '7' ELSE '' END, '',
           jsonb_build_object('specversion', '1.0', 'id', 'CE' || md5(k || ':' || i), 'source', 'kore-events',
             'type', 'com.kore.supersim.connection.' || t, 'time', ts,
             'data', jsonb_build_object('event_sid', 'EZ' || md5(i || ':' || k), 'sim_sid', sid,
               'account_sid', 'AC00000000000000000000000000000000', 'timestamp', ts,
               'sim_iccid', '89883070' || lpad(i::text, 11, '0'), 'imei', '35' || lpad(i::text, 13, '0'),
               'network', jsonb_build_object('sid', 'HW' || md5('net' || (i % 40)), 'friendly_name',
                 'Network ' || (i % 40), 'iso_country', 'DE', 'mcc', '262', 'mnc', '02'),
               'data_session_sid', 'HD' || md5(i || ':' || k), 'data_total', (i % 977) * 1000,
               'location', jsonb_build_object('lac', '1234', 'cell_id', (i * 7)::text)))
    FROM generate_series({n - 1}, 0, -1) AS k, generate_series({first}, {last - 1}) AS i,
         LATERAL (SELECT 'HS' || lpad(to_hex(i), 32, '0') AS sid,
                         now() - k * interval '1 day' / {per_day} - (i % 3000) * interval '1 second' AS ts,
                         CASE WHEN (i + k) % 23 = 0 THEN 'attachment.rejected'
                              WHEN k % 4 = 3 THEN 'attachment.accepted'
                              ELSE 'data-session.ended' END AS t) AS x
    """


def states_sql(first: int, last: int) -> str:
    """The SIMs' connection state (what processing those events leaves): one SIM in 7 never connected,
    the others last seen 0-72 h ago, one in 50 with an IMEI change, each with a position."""
    return f"""
    INSERT INTO events_simconnectionstate (sim_sid, iccid, first_seen_at, last_seen_at, attached_at,
        rejected_at, rejection_code, rejection_message, rejection_network, in_session, session_at, session_sid,
        network_at, network_sid, network_name, iso_country, mcc, mnc, rat_type, imei_at, imei, imei_previous,
        imei_changed, location_at, lac, cell_id, lat, lon, day, sessions_today, zero_byte_today,
        zero_byte_sessions, recent_sessions, updated_at)
    SELECT 'HS' || lpad(to_hex(i), 32, '0'), '89883070' || lpad(i::text, 11, '0'), now() - interval '30 days',
           seen, seen, NULL, '', '', '', i % 3 = 0, seen, '', seen, 'HW' || md5('net' || (i % 40)),
           'Network ' || (i % 40), 'DE', '262', '02', 'LTE', seen, '35' || lpad(i::text, 13, '0'),
           CASE WHEN i % 50 = 0 THEN '35' || lpad((i + 1)::text, 13, '0') ELSE '' END, i % 50 = 0, seen,
           '1234', (i * 7)::text, 48 + (i % 1000) / 100.0, 2 + (i % 700) / 100.0, current_date, 3, 0, 0,
           '{{}}'::jsonb, now()
    FROM generate_series({first}, {last - 1}) AS i,
         LATERAL (SELECT now() - (i % 72) * interval '1 hour' - (i % 60) * interval '1 minute' AS seen) AS x
    WHERE i % 7 <> 0
    """


def timed(client, url: str, requests: int, before=None) -> dict:
    """p50 / p95 server time of ``url`` (in-process client) and its query count; ``before()`` is called
    before each request, untimed."""
    from django.db import connection

    before = before or (lambda: None)

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    before()
    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(requests):
        before()
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95 + 0.5) - 1)],
            "queries": len(queries)}  # fmt: skip


def explain_ms(sql: str, params=()) -> float:
    """The server's execution time of ``sql`` (EXPLAIN ANALYZE), the best of 5 runs."""
    from django.db import connection

    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(5):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else plan
            best = min(best, plan["Execution Time"])
    return best


def execute(sql: str) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return time.perf_counter() - started


def size(name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s)", [name])
        return cursor.fetchone()[0]


def drop_indexes() -> list[str]:
    """Drop the events table's indexes but its primary key (a bulk load then builds each once, sorted,
    instead of inserting millions of random keys); returns the statements that make them again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(ix.indexrelid), c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = ix.indexrelid "
            "WHERE ix.indrelid = 'events_connectionevent'::regclass AND NOT ix.indisprimary"
        )
        rows = cursor.fetchall()
        again = []
        for index, definition, constraint, constraint_definition in rows:
            if constraint:
                cursor.execute(f'ALTER TABLE events_connectionevent DROP CONSTRAINT "{constraint}"')
                again.append(
                    f'ALTER TABLE events_connectionevent ADD CONSTRAINT "{constraint}" {constraint_definition}'
                )
            else:
                cursor.execute(f'DROP INDEX "{index}"')
                again.append(definition)
    return again


def storage(sims: int, days: int, per_day: int) -> dict:
    """btree (the model's ``events_time``) against a BRIN on ``timestamp`` over the same table."""
    from django.db import connection

    sim = f"HS{sims // 2:032x}"
    one_sim = (
        "SELECT * FROM events_connectionevent WHERE sim_sid = %s ORDER BY timestamp DESC, id DESC LIMIT 200"
    )
    window_page = (
        "SELECT * FROM events_connectionevent WHERE timestamp >= now() - interval '3 days' "
        "AND timestamp < now() - interval '2 days' ORDER BY timestamp DESC, id DESC LIMIT 50"
    )
    window_count = (
        "SELECT count(*) FROM events_connectionevent WHERE timestamp >= now() - interval '3 days' "
        "AND timestamp < now() - interval '2 days'"
    )
    hour_rows = (  # an hour with events in it (each SIM's are a whole number of days apart, within 50 min)
        "SELECT sim_sid, type FROM events_connectionevent WHERE timestamp >= now() - interval '49 hours' "
        "AND timestamp < now() - interval '48 hours'"
    )
    out = {}
    extra = sims // 10  # an insert of a tenth of the fleet's day, timed with each index
    for kind in ("btree", "brin"):
        if kind == "brin":
            execute("DROP INDEX events_time")
            execute("CREATE INDEX events_time_brin ON events_connectionevent USING brin (timestamp)")
            execute("ANALYZE events_connectionevent")
        index = "events_time" if kind == "btree" else "events_time_brin"
        out[f"{kind}_index_mb"] = round(size(index) / 1e6, 1)
        out[f"{kind}_one_sim_ms"] = round(explain_ms(one_sim, [sim]), 2)
        out[f"{kind}_window_page_ms"] = round(explain_ms(window_page), 2)
        out[f"{kind}_window_count_ms"] = round(explain_ms(window_count), 2)
        out[f"{kind}_hour_rows_ms"] = round(explain_ms(hour_rows), 2)
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            seconds = execute(events_sql(0, extra, 1, 1, tag=f"insert-{kind}"))
            cursor.execute("ROLLBACK")
        out[f"{kind}_insert_rows_per_s"] = round(extra / seconds)
    execute("DROP INDEX events_time_brin")  # back to the model's indexes
    execute("CREATE INDEX events_time ON events_connectionevent (timestamp)")
    execute("ANALYZE events_connectionevent")
    return out


def run(
    *,
    small: int,
    large: int,
    days: int,
    per_day: int,
    requests: int,
    fleets: int = 1000,
    storage_too: bool = True,
) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from pages import add_sims, analyze, make_rows  # bench/pages.py

    from apps.core.cache import data_changed
    from apps.core.testing import make_user
    from apps.sims.selectors import SIMS_DATA

    make_rows(fleets, 50)
    client = Client()
    client.force_login(make_user("bench-events-viewer", "viewer"))
    figures: dict = {"days": days, "events_per_sim_per_day": per_day}
    done = 0
    for n in (small, large):
        started = time.perf_counter()
        add_sims(done, n, fleets)
        again = drop_indexes()
        execute(events_sql(done, n, days, per_day))
        for statement in again:
            execute(statement)
        execute(states_sql(done, n))
        done = n
        analyze()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events_connectionevent")
            rows = cursor.fetchone()[0]
        table_mb = size("events_connectionevent") / 1e6
        print(
            f"{n:,} SIMs: {rows:,} events ({table_mb:,.0f} MB heap) ready in {time.perf_counter() - started:.0f} s"
        )
        figures[f"events_rows_{n}"] = rows
        figures[f"events_heap_mb_{n}"] = round(table_mb)
        urls = {
            "timeline": reverse("events:sim_timeline", args=[f"HS{n // 2 + 1:032x}"]),
            "sim_list": reverse("sims:sim_list"),  # the page without the filter, for comparison
            "sim_list_offline_24h": reverse("sims:sim_list") + "?offline_hours=24",
            "health": reverse("events:health"),  # computed at most every 30 s: mostly cached answers
            "health_computed": reverse("events:health"),  # every request computes the counts
            "health_fleet": reverse("events:health") + f"?fleet=HF{17:032x}",
            "health_fleet_computed": reverse("events:health") + f"?fleet=HF{17:032x}",
            "map_markers": reverse("events:map_markers"),
        }
        for name, url in urls.items():
            fresh = (lambda: data_changed(SIMS_DATA)) if name.endswith("_computed") else None
            result = timed(client, url, requests, before=fresh)
            for key, value in result.items():
                figures[f"{name}_{key}_{n}"] = round(value, 1) if key != "queries" else value
            figures[f"{name}_load_{n}"] = round(__import__("os").getloadavg()[0], 2)
            print(
                f"  {name:22} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  {result['queries']} queries"
            )
    for name in urls:
        figures[f"{name}_p95_ratio"] = round(
            figures[f"{name}_p95_{large}"] / figures[f"{name}_p95_{small}"], 2
        )
        figures[f"{name}_same_queries"] = (
            figures[f"{name}_queries_{small}"] == figures[f"{name}_queries_{large}"]
        )
    if not storage_too:
        return figures
    print("storage at", f"{large:,} SIMs:")
    stored = storage(large, days, per_day)
    for key, value in stored.items():
        print(f"  {key:28} {value}")
    figures.update(stored)
    return figures
