"""Assertions shared by the test modules."""

import pytest
from django.db import DatabaseError, transaction


def fails(match):
    """Expect the trigger's error inside a savepoint, so the test transaction stays usable."""

    class _Fails:
        def __enter__(self):
            self.raises = pytest.raises(DatabaseError, match=match)
            self.raises.__enter__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            self.atomic.__exit__(*exc)
            return self.raises.__exit__(*exc)

    return _Fails()
