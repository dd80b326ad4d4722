# --8<-- [start:tests]
import pytest

from cookbook.pages.testing import Receipt
from pgtrigger import testing

DELETES = "cookbook.Receipt:protect_deletes"


@pytest.mark.django_db
def test_receipts_cannot_be_deleted():
    receipt = Receipt.objects.create(amount=10)
    with testing.refused(DELETES):  # that trigger, whatever its message says
        receipt.delete()
    assert Receipt.objects.filter(pk=receipt.pk).exists()  # the test goes on


@pytest.mark.django_db
@pytest.mark.pgtrigger_ignore(DELETES)
def test_cleanup_job_may_delete():
    Receipt.objects.create(amount=10).delete()
    assert not Receipt.objects.exists()


@pytest.mark.django_db
def test_amounts_are_frozen_until_ignored(pgtrigger_ignore):
    receipt = Receipt.objects.create(amount=10)
    with testing.refused("cookbook.Receipt:freeze_amount"):
        Receipt.objects.update(amount=11)
    # From here to the end of the test:
    pgtrigger_ignore("cookbook.Receipt:freeze_amount")
    Receipt.objects.update(amount=11)
    receipt.refresh_from_db()
    assert receipt.amount == 11


# --8<-- [end:tests]
