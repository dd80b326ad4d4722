"""``FSMAdminMixin``: transition buttons, refusals as messages, the state read-only."""

import json

from django.contrib.admin.models import LogEntry

from tests.admin_app.conftest import messages_of
from tests.admin_app.models import Post, Status


def url(post):
    return f"/admin/admin_tests/post/{post.pk}/change/"


def transition(client, post, target):
    value = json.dumps(["status", target])
    return client.post(url(post), {"_pgtrigger_transition": value}, follow=True)


def test_buttons_are_the_available_transitions(admin_client, post):
    response = admin_client.get(url(post))
    assert [(b["label"], json.loads(b["value"])) for b in response.context["fsm_buttons"]] == [
        ("Review", ["status", "review"])
    ]
    assert b'name="_pgtrigger_transition"' in response.content
    Post.objects.filter(pk=post.pk).update(status=Status.REVIEW)
    response = admin_client.get(url(post))
    assert [b["label"] for b in response.context["fsm_buttons"]] == ["Draft", "Published"]


def test_the_state_field_is_read_only(admin_client, post):
    fields = admin_client.get(url(post)).context["adminform"].form.fields
    assert "status" not in fields and "title" in fields
    # A save of the form leaves the state alone, even when the POST carries one.
    admin_client.post(url(post), {"title": "Renamed", "body": "", "status": "archived"})
    post.refresh_from_db()
    assert (post.title, post.status) == ("Renamed", Status.DRAFT)
    # The add form sets the first state.
    assert (
        "status"
        in admin_client.get("/admin/admin_tests/post/add/").context["adminform"].form.fields
    )


def test_a_transition_is_applied_logged_and_recorded_with_its_actor(admin_client, admin_user, post):
    response = transition(admin_client, post, "review")
    assert response.status_code == 200
    post.refresh_from_db()
    assert (post.status, post.changed_by, post.version) == (Status.REVIEW, admin_user, 1)
    assert messages_of(response) == [("success", 'Hello: Changed status from "draft" to "review".')]
    assert LogEntry.objects.get().change_message == 'Changed status from "draft" to "review".'


def test_an_undeclared_transition_is_an_error_message(admin_client, post):
    response = transition(admin_client, post, "archived")
    assert response.status_code == 200
    ((level, text),) = messages_of(response)
    assert level == "error"
    assert "does not allow field \"status\" to go from 'draft' to 'archived'" in text
    post.refresh_from_db()
    assert post.status == Status.DRAFT


def test_another_triggers_refusal_is_an_error_message(admin_client, post):
    """``publish_needs_body`` refuses the declared review -> published without a body."""
    transition(admin_client, post, "review")
    response = transition(admin_client, post, "published")
    assert response.status_code == 200
    ((_, text),) = [m for m in messages_of(response) if m[0] == "error"]
    assert "A post needs a body to be published" in text
    post.refresh_from_db()
    assert post.status == Status.REVIEW  # and the request's transaction is still usable
    Post.objects.filter(pk=post.pk).update(body="Some text")
    transition(admin_client, post, "published")
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED


def test_a_stale_page_is_refused_from_the_stored_state(admin_client, post):
    """The button of a page loaded before someone else's transition."""
    Post.objects.filter(pk=post.pk).update(status=Status.REVIEW, body="x")
    Post.objects.filter(pk=post.pk).update(status=Status.PUBLISHED)
    response = transition(admin_client, post, "review")
    ((level, text),) = messages_of(response)
    assert level == "error" and "'published' to 'review'" in text


def test_transitions_need_the_change_permission(client, post, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_post", content_type__app_label="admin_tests")
    )
    client.force_login(user)
    response = client.get(url(post))
    assert "fsm_buttons" not in response.context
    assert transition(client, post, "review").status_code == 403
    post.refresh_from_db()
    assert post.status == Status.DRAFT


def test_a_refusal_raised_as_transition_not_allowed_names_the_rule(admin_client, post):
    """``FSM.transition()`` raises another trigger's refusal as ``TransitionNotAllowed``: the
    admin's message says which rule refused, and why."""
    transition(admin_client, post, "review")
    ((level, text),) = messages_of(transition(admin_client, post, "published"))
    assert level == "error"
    assert "admin_tests.Post:publish_needs_body refused the transition" in text
    assert text.endswith("A post needs a body to be published")
    post.refresh_from_db()
    assert post.status == Status.REVIEW
