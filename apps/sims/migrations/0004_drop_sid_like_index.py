"""PostgreSQL: drop the ``varchar_pattern_ops`` index Django adds beside the unique index of ``sims_sim.sid``.

SIDs are only ever looked up whole (``=``, ``IN``, ``= ANY``: the unique index); nothing searches a SID by
prefix, so that index only cost every sync insert (one of ten indexes on the biggest table). SQLite has no
such index: nothing to do there.
"""

from django.db import migrations


def _like_index(schema_editor) -> str:
    return schema_editor._create_index_name("sims_sim", ["sid"], suffix="_like")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_like_index(schema_editor))}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        name = schema_editor.quote_name(_like_index(schema_editor))
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "sims_sim" ("sid" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [("sims", "0003_sim_removed_partial_index")]

    operations = [migrations.RunPython(drop, create)]
