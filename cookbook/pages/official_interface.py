"""Official interface: an operation possible only through one code path.

`pgtrigger.OfficialInterface` protects the operation everywhere; its
`official` decorator opens it inside the blessed function (with
`pgtrigger.ignore`). Here members are created only by
`Member.objects.join()`, which also validates the email.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger

official_join = pgtrigger.OfficialInterface(
    name="official_join",
    operation=pgtrigger.Insert,
    hint="use Member.objects.join()",
)


class MemberManager(models.Manager["Member"]):
    @official_join.official
    def join(self, email: str) -> "Member":
        if "@" not in email:
            raise ValueError("invalid email")
        return self.create(email=email.lower())


class Member(models.Model):
    email = models.CharField(max_length=64)
    objects = MemberManager()

    class Meta:
        triggers = [official_join]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    Member.objects.join("Ada@Example.com")
    joined = Member.objects.get().email == "ada@example.com"
    return [
        check(joined, "joined through join()"),
        refused(
            lambda: Member.objects.create(email="x"),
            "use Member.objects.join()",
        ),
    ]


# --8<-- [end:demo]
