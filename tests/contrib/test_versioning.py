"""``Versioning`` on a real database, including its failure messages."""

import pytest

from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_versioning_bumps_on_real_changes_only_and_protects_the_column():
    obj = models.Versioned.objects.create(name="a")
    models.Versioned.objects.filter(pk=obj.pk).update(name="b")
    models.Versioned.objects.filter(pk=obj.pk).update(name="b")  # no real change
    obj.refresh_from_db()
    assert obj.version == 1
    obj.name = "c"
    obj.save(update_fields=["name"])
    obj.refresh_from_db()
    assert obj.version == 2
    with fails(r'Cannot set version field "version" of contrib_tests_versioned table from 2 to 7'):
        models.Versioned.objects.filter(pk=obj.pk).update(version=7)
    obj.version = 1  # a stale object loses the race
    obj.name = "stale"
    with fails("Cannot set version field"):
        obj.save()
