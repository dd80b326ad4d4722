"""Deferrable "child must exist": a check that waits for the end of the transaction.

With `timing=pgtrigger.Deferred` the trigger is a deferrable constraint trigger: it runs at
commit, so a parent and its first child can be created in any order within a transaction.
`pgtrigger.constraints(pgtrigger.Immediate, ...)` makes it run at once instead.
"""

from django.db import models, transaction

import pgtrigger
from cookbook.show import check, refused


class Team(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="team_has_member",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM cookbook_teammember WHERE team_id = NEW.id) "
                    "THEN RAISE EXCEPTION 'team % has no member', NEW.name; END IF; "
                    "RETURN NULL;"
                ),
            )
        ]


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    name = models.CharField(max_length=32)


def demo() -> list[str]:
    def create_team(name: str, with_member: bool) -> None:
        with transaction.atomic():
            # The check runs at the end of the transaction (here a savepoint's release is
            # not the end, so it is forced with constraints(Immediate)).
            team = Team.objects.create(name=name)
            if with_member:
                TeamMember.objects.create(team=team, name="first")
            pgtrigger.constraints(pgtrigger.Immediate, "cookbook.Team:team_has_member")

    create_team("core", with_member=True)
    return [
        check(Team.objects.filter(name="core").exists(), "team created, member added after it"),
        refused(lambda: create_team("empty", with_member=False), "team empty has no member"),
    ]
