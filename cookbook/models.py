"""Cookbook models: every page's models, so Django finds them in the ``cookbook`` app."""

from cookbook.pages.append_only import *  # noqa: F403
from cookbook.pages.change_tracking import *  # noqa: F403
from cookbook.pages.ci import *  # noqa: F403
from cookbook.pages.composer import *  # noqa: F403
from cookbook.pages.conditional_deletion import *  # noqa: F403
from cookbook.pages.deferrable_child import *  # noqa: F403
from cookbook.pages.freeze_published import *  # noqa: F403
from cookbook.pages.fsm import *  # noqa: F403
from cookbook.pages.official_interface import *  # noqa: F403
from cookbook.pages.protect import *  # noqa: F403
from cookbook.pages.read_only import *  # noqa: F403
from cookbook.pages.redundant_updates import *  # noqa: F403
from cookbook.pages.request_context import *  # noqa: F403
from cookbook.pages.search_vector import *  # noqa: F403
from cookbook.pages.soft_delete import *  # noqa: F403
from cookbook.pages.soft_delete_cascade import *  # noqa: F403
from cookbook.pages.statement_history import *  # noqa: F403
from cookbook.pages.sync_fields import *  # noqa: F403
from cookbook.pages.testing import *  # noqa: F403
from cookbook.pages.versioning import *  # noqa: F403
