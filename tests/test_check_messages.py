"""Check messages name the argument the user wrote and its fix, once (issue 16)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.contrib import models


def errors(model, trigger):
    return [(e.id, e.msg, e.hint) for e in check_trigger(model, trigger)]


# --- ReadOnly: the unknown field is a ReadOnly argument, not a condition --------------------------
def test_read_only_unknown_field_names_the_argument_and_the_valid_fields():
    trigger = pgtrigger.ReadOnly(name="ro", fields=["refrence"])
    ((id_, msg, hint),) = errors(models.FrozenField, trigger)
    assert id_ == "pgtrigger.E107"
    assert msg == (
        'Trigger "ro" on contrib_tests.FrozenField: ReadOnly fields "refrence" is not a field '
        "of the model."
    )
    assert hint == "Name fields of contrib_tests.FrozenField: id, created_by, other."
    assert "condition" not in msg and "old__" not in hint


def test_read_only_unknown_excluded_fields_are_listed_together():
    trigger = pgtrigger.ReadOnly(name="ro", exclude=["nope", "other", "nada"])
    ((id_, msg, _),) = errors(models.FrozenField, trigger)
    assert id_ == "pgtrigger.E107"
    assert 'ReadOnly exclude "nope", "nada" are not fields of the model.' in msg


def test_read_only_with_known_fields_passes():
    assert errors(models.FrozenField, pgtrigger.ReadOnly(name="ro", fields=["created_by"])) == []
    assert errors(models.FrozenField, pgtrigger.ReadOnly(name="ro", exclude=["other"])) == []


def test_a_condition_the_user_wrote_still_reports_e001():
    trigger = pgtrigger.Protect(
        name="p", operation=pgtrigger.Update, condition=pgtrigger.Q(new__nope=1)
    )
    ((id_, msg, hint),) = errors(models.FrozenField, trigger)
    assert id_ == "pgtrigger.E001" and "the condition names an unknown field" in msg
    assert "old__<field> or new__<field>" in hint


# --- FSM: one precise error for a field typo ------------------------------------------------
def test_fsm_field_typo_is_one_error_listing_the_fields():
    trigger = pgtrigger.FSM(name="fsm", field="stauts", transitions=[("draft", "published")])
    ((id_, msg, hint),) = errors(models.Document, trigger)
    assert id_ == "pgtrigger.E101"
    assert msg == (
        'Trigger "fsm" on contrib_tests.Document: FSM field "stauts" is not a column of the model.'
    )
    assert hint == "Name a concrete field of contrib_tests.Document: id, status, title."


def test_fsm_field_typo_and_a_condition_typo_are_both_reported():
    trigger = pgtrigger.FSM(
        name="fsm",
        field="stauts",
        transitions=[("draft", "published")],
        condition=pgtrigger.Q(new__titel="x"),
    )
    assert [e[0] for e in errors(models.Document, trigger)] == ["pgtrigger.E001", "pgtrigger.E101"]


# --- FSM: states outside the choices ------------------------------------------------------------
def test_fsm_one_unknown_state_is_singular_and_the_hint_lists_plain_choices():
    trigger = pgtrigger.FSM(name="fsm", field="status", transitions=[("draft", "publishd")])
    ((id_, msg, hint),) = errors(models.Document, trigger)
    assert id_ == "pgtrigger.E102"
    assert msg.endswith("""FSM state 'publishd' is not a choice of field "status".""")
    assert hint == (
        "Use choices of field \"status\": 'draft', 'published', 'archived', 'cancelled'."
    )
    assert "\"'" not in hint  # no repr of a repr: ["'cancelled'", ...]


def test_fsm_several_unknown_states_are_plural():
    trigger = pgtrigger.FSM(name="fsm", field="status", transitions=[("drafty", "publishd")])
    ((_, msg, _),) = errors(models.Document, trigger)
    assert "FSM states 'drafty', 'publishd' are not choices of field" in msg


# --- SoftDelete: the default value=False on a non-boolean field -------------------------------
@pytest.mark.parametrize(
    ("model", "field", "kind"),
    [
        (models.SoftChar, "status", "CharField"),
        (models.SoftTimestamp, "deleted_at", "DateTimeField"),
    ],
)
def test_soft_delete_default_value_on_a_non_boolean_field_is_an_error(model, field, kind):
    trigger = pgtrigger.SoftDelete(name="sd", field=field)
    ((id_, msg, hint),) = errors(model, trigger)
    assert id_ == "pgtrigger.E108"
    assert msg == (
        f'Trigger "sd" on {model._meta.label}: SoftDelete would set {kind} "{field}" to False '
        "(the default value=False is for a BooleanField)."
    )
    assert "value=Now()" in hint and 'value="deleted"' in hint


def test_soft_delete_values_that_suit_the_field_pass():
    from django.db.models.functions import Now

    assert errors(models.SoftChar, pgtrigger.SoftDelete(name="sd", field="status", value="x")) == []
    assert errors(models.SoftBool, pgtrigger.SoftDelete(name="sd", field="is_active")) == []
    stamp = pgtrigger.SoftDelete(name="sd", field="deleted_at", value=Now())
    assert errors(models.SoftTimestamp, stamp) == []


def test_soft_delete_unknown_field_is_one_error():
    trigger = pgtrigger.SoftDelete(name="sd", field="is_activ")
    ((id_, msg, hint),) = errors(models.SoftBool, trigger)
    assert id_ == "pgtrigger.E108"
    assert 'SoftDelete field "is_activ" is not a column of the model.' in msg
    assert hint == "Name a concrete field of contrib_tests.SoftBool: id, name, is_active."


def test_every_declared_trigger_in_the_suite_still_passes_check():
    call_command("check")


# --- "pgtrigger" missing from INSTALLED_APPS --------------------------------------------------
def test_triggers_without_the_app_installed_fail_check_and_migrate(tmp_path):
    pytest.importorskip("psycopg")
    from tests.migrations_project import SETTINGS, Project

    project = Project(tmp_path)
    try:
        project.write(
            "settings.py",
            SETTINGS.format(
                installed_apps=["django.contrib.contenttypes", "django.contrib.auth", "app"],
                databases=project.databases,
                extra="",
            ),
        )
        project.models(PROTECTED_AND_REGISTERED)
        for command in ("check", "migrate"):
            result = project.run(command, check=False)
            assert result.returncode != 0, result.stdout
            assert "pgtrigger.E020" in result.stderr
            assert (
                "Triggers are declared (app.Item:protect_deletes, app.Note:read_only) but "
                '"pgtrigger" is not in INSTALLED_APPS' in result.stderr
            )
            assert 'HINT: Add "pgtrigger" to INSTALLED_APPS.' in result.stderr
        assert project.sql("SELECT to_regclass('app_item')") == [(None,)]  # migrate stopped
    finally:
        project.drop()


PROTECTED_AND_REGISTERED = """
from django.db import models
import pgtrigger


class Item(models.Model):
    class Meta:
        triggers = [pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete)]


@pgtrigger.register(pgtrigger.ReadOnly(name="read_only"))
class Note(models.Model):
    text = models.TextField()
"""
