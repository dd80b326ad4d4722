"""``Meta.triggers``: teach Django's model options the ``triggers`` name.

Django rejects unknown ``Meta`` attributes; adding the name to ``DEFAULT_NAMES`` (as Django's
own options list) lets models declare ``class Meta: triggers = [...]`` without a fork.
"""

from django.db.models import options


def allow_meta_triggers() -> None:
    if "triggers" not in options.DEFAULT_NAMES:
        options.DEFAULT_NAMES = (*options.DEFAULT_NAMES, "triggers")
