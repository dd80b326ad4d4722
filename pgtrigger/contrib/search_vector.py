"""``UpdateSearchVector``: keep a full-text search vector column up to date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from pgtrigger import sql
from pgtrigger.contrib import _columns
from pgtrigger.primitives import Before, Insert, Row, Update
from pgtrigger.trigger import Trigger


class UpdateSearchVector(Trigger):
    """Set ``vector_field`` to ``to_tsvector(config_name, <document fields>)`` on every write.

    ``UpdateSearchVector(name="search", vector_field="search_vector",
    document_fields=["title", "body"])`` on a model with a ``SearchVectorField`` (which needs
    ``django.contrib.postgres`` in ``INSTALLED_APPS``). NULL fields count as empty text.
    ``config_name`` (or its alias ``config``) names the text search configuration,
    ``pg_catalog.english`` by default.
    """

    when = Before
    operation = Insert | Update
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        vector_field: str | None = None,
        document_fields: Sequence[str] | None = None,
        config_name: str | None = None,
        config: str | None = None,
        **kwargs: Any,
    ) -> None:
        if config_name is not None and config is not None and config_name != config:
            raise ValueError(
                f'UpdateSearchVector trigger "{name}": pass config_name or config, not both'
            )
        if not vector_field:
            raise ValueError(f'UpdateSearchVector trigger "{name}" needs a vector_field')
        if not document_fields:
            raise ValueError(f'UpdateSearchVector trigger "{name}" needs document_fields')
        self.vector_field = vector_field
        self.document_fields = list(document_fields)
        self.config_name = config_name or config or "pg_catalog.english"
        super().__init__(name=name, **kwargs)

    def ignore(self, model: type[models.Model]) -> Any:
        """4.x's refusal, kept: 4.x's trigger could not be ignored (its function was the
        built-in ``tsvector_update_trigger``). ``pgtrigger.ignore(uri)`` ignores this one."""
        raise RuntimeError(
            f"Cannot ignore {type(self).__name__} triggers with Trigger.ignore(): use "
            f'pgtrigger.ignore("{self.get_uri(model)}")'
        )

    def get_func(self, model: type[models.Model]) -> str:
        document = " || ' ' || ".join(
            f"COALESCE(NEW.{_columns.column(model, name)}::text, '')"
            for name in self.document_fields
        )
        config = f"{sql.quote_literal(self.config_name)}::regconfig"
        return (
            f"NEW.{_columns.column(model, self.vector_field)} := "
            f"to_tsvector({config}, {document});\n    RETURN NEW;"
        )
