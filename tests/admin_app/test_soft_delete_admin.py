"""``SoftDeleteAdminMixin``: the deleted filter, soft delete, undelete and hard delete."""

from django.contrib.admin import helpers
from django.contrib.auth.models import Permission

from tests.admin_app.conftest import messages_of
from tests.admin_app.models import Comment, Post

POSTS = "/admin/admin_tests/post/"


def listed(client, **params):
    return sorted(obj.pk for obj in client.get(POSTS, params).context["cl"].result_list)


def action(client, name, *objs, rows="", **extra):
    """Run an action on the change list filtered to ``rows`` (the default: alive rows)."""
    data = {"action": name, helpers.ACTION_CHECKBOX_NAME: [o.pk for o in objs], **extra}
    return client.post(POSTS + (f"?deleted={rows}" if rows else ""), data, follow=True)


def alive(model):
    return sorted(model._base_manager.filter(is_active=True).values_list("pk", flat=True))


def test_the_filter_shows_alive_rows_by_default(admin_client, post):
    gone = Post.objects.create(title="Gone", body="")
    Post.objects.filter(pk=gone.pk).delete()
    assert listed(admin_client) == [post.pk]
    assert listed(admin_client, deleted="deleted") == [gone.pk]
    assert listed(admin_client, deleted="all") == [post.pk, gone.pk]
    changelist = admin_client.get(POSTS).context["cl"]
    choices = changelist.filter_specs[0].choices(changelist)
    assert [(c["display"], c["selected"]) for c in choices] == [
        ("Alive", True),
        ("Deleted", False),
        ("All", False),
    ]


def test_the_delete_action_soft_deletes_with_the_cascade(admin_client, post):
    action(admin_client, "delete_selected", post, post="yes")
    assert Post._base_manager.filter(pk=post.pk).exists()
    assert alive(Post) == [] and alive(Comment) == []
    assert Comment._base_manager.count() == 2


def test_the_change_forms_delete_soft_deletes(admin_client, post):
    admin_client.post(f"{POSTS}{post.pk}/delete/", {"post": "yes"})
    assert alive(Post) == [] and Post._base_manager.count() == 1


def test_undelete_restores_the_rows_and_their_cascade(admin_client, post):
    other = Post.objects.create(title="Other", body="")
    Comment.objects.create(post=other, text="kept deleted")
    Post._base_manager.filter(pk__in=[post.pk, other.pk]).delete()
    response = action(admin_client, "undelete_selected", post, rows="deleted")
    assert messages_of(response) == [("success", "Undeleted 1 row(s).")]
    assert alive(Post) == [post.pk]
    assert alive(Comment) == sorted(post.comments.values_list("pk", flat=True))
    assert len(alive(Comment)) == 2


def test_a_refused_undelete_is_an_error_message(admin_client, post):
    """A comment under a soft-deleted post stays deleted (``PGT07``): no server error."""
    Post.objects.filter(pk=post.pk).delete()
    comment = Comment._base_manager.first()
    data = {"action": "undelete_selected", helpers.ACTION_CHECKBOX_NAME: [comment.pk]}
    response = admin_client.post("/admin/admin_tests/comment/?deleted=deleted", data, follow=True)
    assert response.status_code == 200
    ((level, text),) = messages_of(response)
    assert level == "error" and text.startswith("Refused: ")
    assert alive(Comment) == []
    assert Post._base_manager.filter(is_active=False).count() == 1  # the request goes on


def test_hard_delete_deletes_the_rows_and_their_cascade(admin_client, post):
    response = action(admin_client, "hard_delete_selected", post)
    assert Post._base_manager.count() == 0 and Comment._base_manager.count() == 0
    assert messages_of(response) == [
        ("success", "Deleted 3 row(s) permanently (2 admin_tests.Comment, 1 admin_tests.Post).")
    ]


def test_hard_delete_of_soft_deleted_rows(admin_client, post):
    Post.objects.filter(pk=post.pk).delete()
    action(admin_client, "hard_delete_selected", post, rows="deleted")
    assert Post._base_manager.count() == 0 and Comment._base_manager.count() == 0


def test_hard_delete_is_for_superusers_only(client, post, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="admin_tests"))
    client.force_login(user)
    choices = [
        name for name, _ in client.get(POSTS).context["action_form"].fields["action"].choices
    ]
    assert "hard_delete_selected" not in choices
    assert {"delete_selected", "undelete_selected"} <= set(choices)
    action(client, "hard_delete_selected", post)
    assert Post._base_manager.count() == 1 and Comment._base_manager.count() == 2
