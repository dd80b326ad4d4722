"""``OfficialInterface`` on a real database."""

import pytest

from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_official_interface_only_path():
    account = models.Account.objects.open("alice")
    assert models.Account.objects.filter(pk=account.pk).exists()
    with fails(
        r'Cannot insert rows from contrib_tests_account table \(trigger "official_create"; '
        r"use Account.objects.open\(\)\)"
    ):
        models.Account.objects.create(name="mallory")
    with models.official_create.official():
        models.Account.objects.create(name="batch")
    assert models.Account.objects.count() == 2
