# 3.x style: RemoveTrigger of a trigger that an earlier file added as a declaration.
from django.db import migrations

import pgtrigger.migrations


class Migration(migrations.Migration):
    dependencies = [("pghistory_app", "0002_declarations_3x_style")]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="author", name="legacy_renames"),
    ]
