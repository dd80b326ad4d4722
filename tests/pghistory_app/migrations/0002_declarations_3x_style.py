# Written by hand in the style of django-pgtrigger 3.x migration files: AddTrigger takes the
# trigger declaration itself, which is compiled against the migration state's model.
from django.db import migrations

import pgtrigger
import pgtrigger.migrations


class Migration(migrations.Migration):
    dependencies = [("pghistory_app", "0001_initial")]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="book",
            trigger=pgtrigger.Protect(
                name="protect_archived",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="archived"),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="author",
            trigger=pgtrigger.Composer(
                name="legacy_renames",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("name"),
                func=pgtrigger.Func(
                    "IF EXISTS (SELECT 1 FROM {cond_new_values}) THEN "
                    "RAISE EXCEPTION 'renamed'; END IF; RETURN NULL;"
                ),
            ),
        ),
    ]
