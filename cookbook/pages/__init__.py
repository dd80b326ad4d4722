"""The cookbook pages in reading order; each has models and a ``demo()``."""

PAGES = [
    "protect",
    "append_only",
    "conditional_deletion",
    "read_only",
    "freeze_published",
    "redundant_updates",
    "soft_delete",
    "soft_delete_cascade",
    "fsm",
    "versioning",
    "request_context",
    "official_interface",
    "sync_fields",
    "composer",
    "change_tracking",
    "statement_history",
    "search_vector",
    "deferrable_child",
    "testing",
    "ci",
]
