"""Registers the trigger status page (found by the admin's autodiscovery)."""

from django.contrib import admin

from pgtrigger.contrib.admin.models import Trigger
from pgtrigger.contrib.admin.status import TriggerStatusAdmin

admin.site.register(Trigger, TriggerStatusAdmin)
