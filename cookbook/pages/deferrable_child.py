"""Deferrable "child must exist": a check at the end of the transaction.

With `timing=pgtrigger.Deferred` the trigger is a deferrable constraint
trigger: it runs at commit, so a parent and its first child can be
created in any order within a transaction.
`pgtrigger.constraints(pgtrigger.Immediate, ...)` makes it run at once
instead.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Team(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="team_has_member",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func="""
                IF NOT EXISTS (
                    SELECT 1 FROM team_member WHERE team_id = NEW.id
                ) THEN
                    RAISE EXCEPTION 'team % has no member', NEW.name;
                END IF;
                RETURN NULL;
                """,
            ),
        ]


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    name = models.CharField(max_length=32)

    class Meta:
        db_table = "team_member"  # a fixed name for the trigger's SQL


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from django.db import transaction

    from cookbook.show import check, refused

    def create_team(name: str, with_member: bool) -> None:
        with transaction.atomic():
            team = Team.objects.create(name=name)
            if with_member:
                TeamMember.objects.create(team=team, name="first")
            # The check runs at the end of the transaction; a savepoint's
            # release is not the end, so constraints() forces it here.
            pgtrigger.constraints(
                pgtrigger.Immediate, f"{Team._meta.label}:team_has_member"
            )

    create_team("core", with_member=True)
    created = Team.objects.filter(name="core").exists()
    return [
        check(created, "team created, member added after it"),
        refused(
            lambda: create_team("empty", with_member=False),
            "team empty has no member",
        ),
    ]


# --8<-- [end:demo]
