import pytest
from django.db import DatabaseError

from tests import models


@pytest.mark.django_db
def test_meta_trigger_blocks_delete():
    obj = models.ProtectedModel.objects.create(name="x")
    with pytest.raises(DatabaseError, match="Cannot delete rows from tests_protectedmodel"):
        obj.delete()


@pytest.mark.django_db
def test_ls_install_prune_cycle(capsys):
    from django.core.management import call_command

    import pgtrigger

    call_command("pgtrigger", "ls")
    out = capsys.readouterr().out
    print(out)
    assert "INSTALLED" in out
    pgtrigger.uninstall("tests.ProtectedModel:protect_delete")
    call_command("pgtrigger", "ls", "tests.ProtectedModel:protect_delete")
    assert "UNINSTALLED" in capsys.readouterr().out
    pgtrigger.install()
    with pgtrigger.ignore("tests.ProtectedModel:protect_delete"):
        models.ProtectedModel.objects.create().delete()
    call_command("pgtrigger", "disable")
    call_command("pgtrigger", "ls")
    out = capsys.readouterr().out
    assert "DISABLED" in out and "ENABLED " not in out, out


def test_q_compiles_with_escaping():
    import pgtrigger

    cond = pgtrigger.Q(new__char_field="O'Brien'; DROP TABLE x; --") | ~pgtrigger.Q(
        old__int_field__gt=pgtrigger.F("new__int_field"), new__char_field__icontains="a%b"
    )
    print(cond.resolve(models.TestModel))
    assert "'O''Brien''; DROP TABLE x; --'" in cond.resolve(models.TestModel)
