"""PostgreSQL: the two indexes the global search needs that the models do not already have.

* ``search_sim_name_upper`` on ``sims_sim ((UPPER(unique_name) COLLATE "C"))``: a SIM name prefix in any
  case, in alphabetical order, in any database locale (``apps.search.registry.prefix_match``);
* ``search_state_imei`` on ``events_simconnectionstate (imei varchar_pattern_ops) WHERE imei <> ''``: an IMEI
  prefix; partial, so a SIM whose events never gave an IMEI costs nothing.

ICCID (SIM, eSIM profile) and EID prefixes use Django's ``_like`` indexes; a SIM SID prefix is a range on its
unique index. The indexes live here, not in the models' ``Meta``, because they are PostgreSQL-only (SQLite,
tier 1, has neither ``COLLATE "C"`` nor operator classes: it scans its small test tables). Their cost on the
writes is measured by ``bench/search.py --write-cost``.
"""

from django.db import migrations

INDEXES = {
    "search_sim_name_upper": 'ON "sims_sim" ((UPPER("unique_name") COLLATE "C"))',
    "search_state_imei": 'ON "events_simconnectionstate" ("imei" varchar_pattern_ops) WHERE "imei" <> \'\'',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" {definition}')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("sims", "0004_drop_sid_like_index"), ("events", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
