"""Hostile values and names cannot break or inject into the generated SQL."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

import pgtrigger
from pgtrigger import installation, sql
from pgtrigger.checks import check_trigger
from tests.reliability.models import Fired, Hostile, HostileEvent, Nullable

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "'; DROP TABLE reliability_tests_fired; --",
    "O'Brien",
    'double "quotes"',
    "$$; SELECT 1; $$",
    "$pgtrigger$ end",
    "back\\slash \\' \\\\",
    "percent %s %% %(name)s",
    "new\nline\ttab",
    "ünïcødé ☃ 𝄞",
    "{curly} {{braces}}",
]


def test_hostile_table_and_columns_install_fire_and_list():
    assert all(
        s.status == installation.Status.INSTALLED
        for s in installation.status(*[t.get_uri(Hostile) for t in Hostile._meta.triggers])
    )
    row = Hostile.objects.create(select="x", unicode="u")
    Hostile.objects.filter(pk=row.pk).update(status="it's done")
    Hostile.objects.filter(pk=row.pk).update(status="☃")
    with pytest.raises(DatabaseError, match="Invalid transition"), transaction.atomic():
        Hostile.objects.filter(pk=row.pk).update(status="new")
    with pytest.raises(DatabaseError, match="read-only fields: unicode"), transaction.atomic():
        Hostile.objects.filter(pk=row.pk).update(unicode="changed")
    Hostile.objects.filter(pk=row.pk).delete()
    assert Hostile.objects.get(pk=row.pk).is_active is False  # soft-deleted
    events = list(HostileEvent.objects.order_by("id").values_list("field", "new_value"))
    assert events == [("status", "it's done"), ("status", "☃")]
    call_command("pgtrigger", "ls")


def test_hostile_condition_values_are_data():
    row = Hostile.objects.create(select="'; DROP TABLE x; --", unicode="plain")
    with pytest.raises(DatabaseError, match="protect-hostile_values"), transaction.atomic():
        Hostile.objects.filter(pk=row.pk).update(status="it's done")
    other = Hostile.objects.create(select="safe", unicode="has $$ \\ %_ inside")
    with pytest.raises(DatabaseError, match="protect-hostile_values"), transaction.atomic():
        Hostile.objects.filter(pk=other.pk).update(status="it's done")
    # LIKE wildcards in the value are escaped: "%_" only matches itself.
    third = Hostile.objects.create(select="safe", unicode="$$ \\ xy")
    Hostile.objects.filter(pk=third.pk).update(status="it's done")


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_in_conditions_match_only_themselves(install, value):
    install(
        Nullable,
        pgtrigger.Trigger(
            name="match_value",
            when=pgtrigger.After,
            operation=pgtrigger.Insert,
            condition=pgtrigger.Q(new__txt=value) | pgtrigger.Q(new__txt__startswith=value),
            func="INSERT INTO reliability_tests_fired (row_id) VALUES (NEW.id); RETURN NULL;",
        ),
    )
    hit = Nullable.objects.create(txt=value)
    longer = Nullable.objects.create(txt=value + " and more")
    Nullable.objects.create(txt="harmless")
    Nullable.objects.create(txt=value[:-1])
    assert sorted(Fired.objects.values_list("row_id", flat=True)) == [hit.pk, longer.pk]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_in_recipes(value):
    trigger = pgtrigger.SoftDelete(name="soft", field="txt", value=value)
    trigger.install(Nullable)
    pk = Nullable.objects.create(txt="alive").pk
    Nullable.objects.filter(pk=pk).delete()
    assert Nullable.objects.get(pk=pk).txt == value


@pytest.mark.parametrize(
    "name", ["x; DROP TABLE t", 'quo"te', "it's", "ünï", "a b", "$$", "x" * 48, ""]
)
def test_hostile_trigger_names_never_reach_sql(name):
    trigger = pgtrigger.Trigger.__new__(pgtrigger.Trigger)
    trigger.__dict__.update(
        name=name,
        level=pgtrigger.Row,
        when=pgtrigger.Before,
        operation=pgtrigger.Insert,
        condition=None,
        referencing=None,
        func="RETURN NEW;",
        declare=None,
        timing=None,
    )
    assert "pgtrigger.E006" in [e.id for e in check_trigger(Nullable, trigger)]


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("plain", '"plain"'),
        ('we"ird', '"we""ird"'),
        ("semi;colon", '"semi;colon"'),
        ("select", '"select"'),
    ],
)
def test_identifier_quoting(name, quoted):
    assert sql.quote_ident(name) == quoted


def test_identifier_with_double_quote_installs_on_a_real_table():
    table = 'odd "name"; table'
    with connection.cursor() as cursor:
        column = sql.quote_ident('c"1')
        cursor.execute(f"CREATE TABLE {sql.quote_ident(table)} (id int, {column} text)")
    from django.db import models

    class Odd(models.Model):
        c1 = models.TextField(db_column='c"1')

        class Meta:
            app_label = "reliability_tests"
            db_table = table
            managed = False

    trigger = pgtrigger.Protect(
        name="odd", operation=pgtrigger.Insert, condition=pgtrigger.Q(new__c1="it's")
    )
    try:
        trigger.install(Odd)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {sql.quote_ident(table)} VALUES (1, 'fine')")
            with pytest.raises(DatabaseError, match="Cannot insert rows"), transaction.atomic():
                cursor.execute(f"INSERT INTO {sql.quote_ident(table)} VALUES (2, 'it''s')")
    finally:
        from django.apps import apps

        apps.all_models["reliability_tests"].pop("odd", None)
        apps.clear_cache()
