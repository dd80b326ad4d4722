"""django-pgtrigger 4.17.0's side of ``benchmarks.versus417``, run by that venv's interpreter.

It cannot share an interpreter with this project (both import as ``pgtrigger``), so the
driver starts ``<venv>/bin/python -E -s worker.py '<database settings as JSON>'``: the
script's directory, not the repository, is on ``sys.path``. It creates its own database on
the same server, then answers one JSON command per stdin line with one JSON line on stdout.
Every timing is taken here, around the same ORM or SQL call the driver times on its side.
"""

import json
import os
import pathlib
import sys
import time
import traceback
from importlib import metadata

PROTOCOL = sys.stdout
sys.stdout = sys.stderr  # Django or pgtrigger output must not mix with the replies

EXPECTED_VERSION = "4.17.0"

# The 4.17 equivalents of the recipes in benchmarks/row_overhead.py, built by the driver's
# request. Version bumping has no 4.17 recipe: this is the documented 4.x way (a Trigger with
# the same condition and body as this project's Versioning).
VERSIONING_FUNC = (
    'IF NEW."version" IS DISTINCT FROM OLD."version" THEN '
    "RAISE EXCEPTION 'pgtrigger: Cannot set version field'; END IF; "
    'NEW."version" := OLD."version" + 1; RETURN NEW;'
)


def recipes():
    import pgtrigger

    return {
        "FSM": lambda: pgtrigger.FSM(
            name="bench_fsm",
            field="status",
            transitions=[("draft", "published"), ("published", "archived")],
        ),
        "SoftDelete": lambda: pgtrigger.SoftDelete(name="bench_soft_delete", field="is_active"),
        "Versioning": lambda: pgtrigger.Trigger(
            name="bench_versioning",
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            condition=pgtrigger.Condition("OLD.* IS DISTINCT FROM NEW.*"),
            func=VERSIONING_FUNC,
        ),
        "Protect": lambda: pgtrigger.Protect(
            name="bench_protect",
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(old__status="locked"),
        ),
        "ReadOnly": lambda: pgtrigger.ReadOnly(name="bench_read_only", fields=["version"]),
    }


def backend_clock(cursor):
    """The clock of ``benchmarks.timing.backend_clock``: server CPU time when it is local."""
    cursor.execute("SELECT pg_backend_pid()")
    proc = pathlib.Path(f"/proc/{cursor.fetchone()[0]}")
    try:
        is_postgres = b"postgres" in (proc / "cmdline").read_bytes()
        schedstat = proc / "schedstat"
        schedstat.read_text()
    except OSError:
        is_postgres = False
    if not is_postgres:
        return time.perf_counter
    return lambda: int(schedstat.read_text().split()[0]) / 1e9


class Worker:
    def __init__(self):
        self.trigger = None
        self.many = {}  # model count -> [(model, triggers)]

    # --- row overhead -----------------------------------------------------------------------
    def fill(self, rows):
        from bench417.models import IgnoreRow, Row
        from django.db import connection

        table = Row._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
            cursor.execute(
                f"INSERT INTO {table} (status, is_active, version, n) "
                "SELECT 'draft', true, 0, 0 FROM generate_series(1, %s)",
                [rows],
            )
            cursor.execute(f"VACUUM ANALYZE {table}")
        IgnoreRow.objects.all().delete()
        IgnoreRow.objects.create()
        return table

    def recipe(self, name):
        from bench417.models import Row

        if self.trigger is not None:
            self.trigger.uninstall(Row)
            self.trigger = None
        if name:
            self.trigger = recipes()[name]()
            self.trigger.install(Row)
        return name

    def statement(self, sql):
        from bench417.models import Row
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            clock = backend_clock(cursor)
            start = clock()
            cursor.execute(sql.format(table=Row._meta.db_table))
            elapsed = clock() - start
            transaction.set_rollback(True)
        return elapsed

    def vacuum(self):
        from bench417.models import Row
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f'VACUUM "{Row._meta.db_table}"')

    # --- ignore() -----------------------------------------------------------------------------
    def ignore_loop(self, iterations, atomic):
        from bench417.models import IgnoreRow
        from django.db import transaction
        from django.db.models import F

        import pgtrigger

        pk = IgnoreRow.objects.get().pk
        pgtrigger.install("bench417.IgnoreRow:protect_updates")

        def loop():
            start = time.perf_counter()
            for _ in range(iterations):
                with pgtrigger.ignore("bench417.IgnoreRow:protect_updates"):
                    IgnoreRow.objects.filter(pk=pk).update(n=F("n") + 1)
            return time.perf_counter() - start

        if not atomic:
            return loop()
        with transaction.atomic():
            elapsed = loop()
            transaction.set_rollback(True)
        return elapsed

    # --- installing many triggers ---------------------------------------------------------------
    def install_many(self, count):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        import pgtrigger

        if count not in self.many:
            self.many[count] = make_models(count)
        pgtrigger.uninstall()
        # The query log keeps 9,000 entries: rounds of ~3,000 would overflow it uncleared.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            pgtrigger.install()
            elapsed = time.perf_counter() - start
        triggers = sum(len(t) for _, t in self.many[count]) + 1  # + IgnoreRow's
        return {"queries": len(ctx.captured_queries), "seconds": elapsed, "triggers": triggers}

    def drop_many(self, count):
        from django.apps import apps
        from django.db import connection

        import pgtrigger

        pgtrigger.uninstall()
        with connection.schema_editor() as editor:
            for model, triggers in self.many.pop(count, []):
                for trigger in triggers:
                    trigger.unregister(model)
                editor.delete_model(model)
                apps.all_models["bench417"].pop(model._meta.model_name, None)
        apps.clear_cache()


def make_models(count):
    """The models of benchmarks/installation.py: 3 triggers each.

    4.17 refuses two triggers whose function names (``pgtrigger_<name>_<5 hex digits of the
    model's hash>``) collide, which happens among a few hundred models: such a model is
    declared again under another name.
    """
    from django.apps import apps
    from django.db import connection, models

    import pgtrigger

    created = []
    for i in range(count):
        for attempt in range(10):
            name = f"Many{i}" + "x" * attempt
            model = type(
                name,
                (models.Model,),
                {
                    "__module__": "bench417.models",
                    "status": models.CharField(max_length=16, default="draft"),
                    "n": models.IntegerField(default=0),
                    "Meta": type("Meta", (), {"app_label": "bench417"}),
                },
            )
            triggers = [
                pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete),
                pgtrigger.ReadOnly(name="read_only_status", fields=["status"]),
                pgtrigger.Trigger(
                    name="touch",
                    when=pgtrigger.Before,
                    operation=pgtrigger.Update,
                    condition=pgtrigger.AnyChange("n"),
                    func="RETURN NEW;",
                ),
            ]
            registered = []
            try:
                for trigger in triggers:
                    trigger.register(model)
                    registered.append(trigger)
            except KeyError:
                for trigger in registered:
                    trigger.unregister(model)
                apps.all_models["bench417"].pop(model._meta.model_name, None)
                apps.clear_cache()
                continue
            created.append((model, triggers))
            break
    with connection.schema_editor() as editor:
        for model, _ in created:
            editor.create_model(model)
    return created


def reply(value):
    PROTOCOL.write(json.dumps(value) + "\n")
    PROTOCOL.flush()


def main():
    database = json.loads(sys.argv[1])
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="pgtrigger-4.17-benchmarks",
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        INSTALLED_APPS=["django.contrib.contenttypes", "pgtrigger", "bench417"],
        DATABASES={"default": database},
        PGTRIGGER_MIGRATIONS=False,
        PGTRIGGER_INSTALL_ON_MIGRATE=False,
    )
    django.setup()
    from django.db import connection

    import pgtrigger

    version = metadata.version("django-pgtrigger")
    location = os.path.dirname(pgtrigger.__file__)
    if version != EXPECTED_VERSION or not location.startswith(sys.prefix):
        reply(
            {
                "error": f"expected django-pgtrigger {EXPECTED_VERSION} in {sys.prefix}, "
                f"imported {version} from {location}"
            }
        )
        return 1
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    worker = Worker()
    try:
        reply({"ok": {"version": version, "django": django.get_version()}})
        for line in sys.stdin:
            command = json.loads(line)
            name = command.pop("cmd")
            try:
                reply({"ok": getattr(worker, name)(**command)})
            except Exception:
                reply({"error": traceback.format_exc()})
    finally:
        connection.close()
        connection.creation.destroy_test_db(original, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
