"""``pgtrigger.ignore`` / ``is_ignored`` selecting triggers by type, model and URI glob."""

import re

import pytest
from django.db import DatabaseError, transaction

import pgtrigger
from pgtrigger.registry import UnknownTriggerError, select
from tests.runtime.models import Guarded, Ledger

GUARD = "runtime_tests.Guarded:guard"
SOFT = "runtime_tests.Ledger:ledger_soft_delete"
READ_ONLY = "runtime_tests.Ledger:ledger_name_read_only"


def rename(name: str = "renamed") -> None:
    Ledger.objects.filter(pk=1).update(name=name)


def hard_delete() -> int:
    """Rows actually deleted from the ledger (0 while SoftDelete is active)."""
    return Ledger.objects.filter(pk=1).delete()[0]


def renaming_refused() -> bool:
    try:
        with transaction.atomic():
            rename("refused?")
    except DatabaseError as error:
        assert "ledger_name_read_only" in str(error) or "read-only" in str(error).lower()
        return True
    return False


@pytest.fixture
def ledger():
    return Ledger.objects.create(pk=1, name="ledger")


def uris(pairs):
    return sorted(trigger.get_uri(model) for model, trigger in pairs)


def test_select_resolves_each_kind_of_selector():
    assert SOFT in uris(select(pgtrigger.SoftDelete))
    assert READ_ONLY not in uris(select(pgtrigger.SoftDelete))
    assert GUARD not in uris(select(pgtrigger.SoftDelete))
    # A class selects its subclasses' instances too: ReadOnly is a Protect.
    assert {READ_ONLY, GUARD} <= set(uris(select(pgtrigger.Protect)))
    assert SOFT not in uris(select(pgtrigger.Protect))
    assert uris(select(Ledger)) == [READ_ONLY, SOFT]
    assert uris(select("runtime_tests.Ledger:*")) == [READ_ONLY, SOFT]
    assert uris(select("runtime_tests.*:ledger_soft_*")) == [SOFT]
    # Selectors add up, each pair once.
    assert uris(select(Ledger, SOFT, "runtime_tests.Guarded:*")) == [GUARD, READ_ONLY, SOFT]
    assert uris(select(pgtrigger.Trigger)) == uris(select())


def test_unknown_uris_and_globs_raise_and_bad_selectors_are_type_errors():
    with pytest.raises(UnknownTriggerError, match=re.escape("runtime_tests.Ledger:nope")):
        select("runtime_tests.Ledger:nope")
    with pytest.raises(KeyError, match=re.escape("'no_app.*:*'")):
        select("no_app.*:*")
    with pytest.raises(UnknownTriggerError):
        with pgtrigger.ignore(pgtrigger.SoftDelete, "runtime_tests.Ledger:nope"):
            pass  # pragma: no cover
    assert not pgtrigger.is_ignored()  # nothing stayed entered
    with pytest.raises(TypeError, match="selects no triggers"):
        pgtrigger.ignore(Ledger())  # an instance, not the class
    with pytest.raises(TypeError, match="selects no triggers"):
        pgtrigger.is_ignored(int)


@pytest.mark.django_db
def test_ignore_by_type_disables_exactly_that_type(ledger):
    assert renaming_refused()
    with pgtrigger.ignore(pgtrigger.SoftDelete):
        assert pgtrigger.is_ignored(pgtrigger.SoftDelete, SOFT)
        assert not pgtrigger.is_ignored(pgtrigger.ReadOnly)
        assert not pgtrigger.is_ignored(Ledger)  # not every Ledger trigger
        assert renaming_refused()  # ReadOnly still fires
        assert hard_delete() == 1  # SoftDelete does not
    assert not Ledger.objects.exists()

    Ledger.objects.create(pk=1, name="ledger")
    with pgtrigger.ignore(pgtrigger.ReadOnly):
        rename()
        assert hard_delete() == 0  # soft-deleted instead
    ledger = Ledger.objects.get(pk=1)
    assert (ledger.name, ledger.is_active) == ("renamed", False)


@pytest.mark.django_db
def test_ignore_by_model_and_by_glob(ledger):
    for number, selector in enumerate(
        (Ledger, "runtime_tests.Ledger:*", "runtime_tests.*:ledger_*")
    ):
        with pgtrigger.ignore(selector):
            assert pgtrigger.is_ignored(Ledger)
            assert not pgtrigger.is_ignored(Guarded)
            rename(f"by selector {number}")
            with pytest.raises(DatabaseError), transaction.atomic():
                Guarded.objects.create(name="still guarded")
        assert renaming_refused()
    assert hard_delete() == 0  # outside every block: soft-deleted again
    assert Ledger.objects.get(pk=1).is_active is False


@pytest.mark.django_db
def test_nested_with_uris_and_decorator_form(ledger):
    @pgtrigger.ignore(pgtrigger.ReadOnly)
    def rename_in_decorator():
        assert pgtrigger.is_ignored(READ_ONLY)
        rename("decorated")

    with pgtrigger.ignore(GUARD):
        with pgtrigger.ignore(pgtrigger.SoftDelete):
            assert pgtrigger.is_ignored(GUARD, SOFT)
            assert not pgtrigger.is_ignored(READ_ONLY)
            rename_in_decorator()
            assert not pgtrigger.is_ignored(READ_ONLY)
            Guarded.objects.create(name="inner")
            assert hard_delete() == 1
        assert not pgtrigger.is_ignored(pgtrigger.SoftDelete)
        assert pgtrigger.is_ignored(GUARD)
    assert not pgtrigger.is_ignored()
    assert Guarded.objects.filter(name="inner").exists()


@pytest.mark.django_db
def test_the_selection_is_fixed_when_the_block_is_entered(ledger):
    late = pgtrigger.SoftDelete(name="late_soft_delete", field="is_active")
    block = pgtrigger.ignore(pgtrigger.SoftDelete)
    with block:
        late.register(Guarded)  # registered after entry: not ignored by this block
        try:
            assert pgtrigger.is_ignored(SOFT)
            assert not pgtrigger.is_ignored("runtime_tests.Guarded:late_soft_delete")
            assert not pgtrigger.is_ignored(pgtrigger.SoftDelete)  # the late one is not
        finally:
            late.unregister(Guarded)
    assert "runtime_tests.Guarded:late_soft_delete" not in uris(select())


def test_is_ignored_with_a_selection_of_nothing_is_false():
    class Unused(pgtrigger.Trigger):
        pass

    with pgtrigger.ignore():
        assert pgtrigger.is_ignored(pgtrigger.Trigger)
        assert not pgtrigger.is_ignored(Unused)  # selects no trigger: nothing is ignored
    with pgtrigger.ignore(Unused):  # a class may select nothing: ignores nothing
        assert not pgtrigger.is_ignored()


@pytest.mark.django_db
def test_ignore_by_tag(ledger):
    assert uris(select(tags=["frozen"])) == [READ_ONLY]
    assert uris(select(tags=["bookkeeping"])) == [READ_ONLY, SOFT]
    assert uris(select(GUARD, tags=["frozen"])) == [GUARD, READ_ONLY]
    with pgtrigger.ignore(tags=["frozen"]):  # tags alone do not mean "everything"
        assert pgtrigger.is_ignored(tags=["frozen"])
        assert not pgtrigger.is_ignored(tags=["bookkeeping"])
        assert not pgtrigger.is_ignored(GUARD)
        rename("tagged")
        assert hard_delete() == 0
    with pgtrigger.ignore(tags=["bookkeeping"]):
        assert pgtrigger.is_ignored(Ledger)
        assert hard_delete() == 1
    with pytest.raises(UnknownTriggerError, match="'no-such-tag'"):
        with pgtrigger.ignore(tags=["no-such-tag"]):
            pass  # pragma: no cover
    with pytest.raises(TypeError, match="list of strings"):
        pgtrigger.ignore(tags="frozen")


def test_tags_are_python_side_only():
    tagged = pgtrigger.SoftDelete(name="ledger_soft_delete", field="is_active", tags={"x", "y"})
    untagged = pgtrigger.SoftDelete(name="ledger_soft_delete", field="is_active")
    assert tagged.tags == frozenset({"x", "y"}) and untagged.tags == frozenset()
    # Neither the SQL nor the migration operation's trigger changes.
    assert tagged.compile(Ledger) == untagged.compile(Ledger)
    assert tagged.compile(Ledger).deconstruct() == untagged.compile(Ledger).deconstruct()

    class Audit(pgtrigger.Trigger):  # tags as a class attribute, as the other arguments
        tags = frozenset({"audit"})

    assert Audit(name="a", when=pgtrigger.After, operation=pgtrigger.Insert).tags == {"audit"}
    with pytest.raises(ValueError, match="list of strings"):
        pgtrigger.SoftDelete(name="s", field="is_active", tags="audit")
    with pytest.raises(ValueError, match="non-empty strings"):
        pgtrigger.SoftDelete(name="s", field="is_active", tags=[""])


@pytest.mark.django_db
# A lone class given to a marker is taken by pytest for the decorated test: with_args().
@pytest.mark.pgtrigger_ignore.with_args(pgtrigger.SoftDelete)
def test_the_pytest_marker_takes_selectors(ledger):
    assert pgtrigger.is_ignored(SOFT) and not pgtrigger.is_ignored(READ_ONLY)
    assert hard_delete() == 1


@pytest.mark.django_db
def test_the_pytest_fixture_takes_selectors_and_tags(ledger, pgtrigger_ignore):
    assert hard_delete() == 0
    pgtrigger_ignore(tags=["frozen"])
    assert pgtrigger.is_ignored(READ_ONLY) and not pgtrigger.is_ignored(SOFT)
    rename("fixture")
    pgtrigger_ignore(Ledger)
    assert Ledger.objects.filter(pk=1).delete()[0] == 1
