"""``HistoryAdminMixin``: the changes recorded by ``TrackChanges`` and ``Versioning``."""

import json

from django.contrib.admin.models import LogEntry

import pgtrigger
from tests.admin_app.models import Post


def history(client, post):
    return client.get(f"/admin/admin_tests/post/{post.pk}/history/")


def test_each_change_with_who_when_and_what(admin_client, admin_user, post, django_user_model):
    admin_client.post(
        f"/admin/admin_tests/post/{post.pk}/change/",
        {"title": "Hello, world", "body": "Text", "_save": "Save"},
    )
    other = django_user_model.objects.create_user("other")
    with pgtrigger.context(actor=other.pk):
        Post.objects.filter(pk=post.pk).update(status="review")
    response = history(admin_client, post)
    assert response.status_code == 200
    changes = response.context["changes"]
    assert [(c.who, c.fields) for c in changes] == [
        (other, [("status", "Draft", "Review")]),
        (admin_user, [("title", "Hello", "Hello, world"), ("body", "", "Text")]),
    ]
    assert all(c.when is not None for c in changes)
    assert changes[0].when >= changes[1].when  # one test transaction: one now()
    assert response.context["versions"] == [("version", 2, other)]
    content = response.content.decode()
    assert "Hello, world" in content and "last changed by other" in content
    # The admin's own log is listed under it.
    assert [e.pk for e in response.context["action_list"]] == [LogEntry.objects.get().pk]


def test_the_change_form_links_to_it(admin_client, post):
    content = admin_client.get(f"/admin/admin_tests/post/{post.pk}/change/").content.decode()
    assert f'href="/admin/admin_tests/post/{post.pk}/history/"' in content


def test_an_object_without_changes(admin_client, post):
    response = history(admin_client, post)
    assert response.context["changes"] == []
    assert b"No change recorded" in response.content
    assert history(admin_client, Post(pk=post.pk + 1000)).status_code == 404


def test_a_transition_is_recorded_with_the_admin_user(admin_client, admin_user, post):
    admin_client.post(
        f"/admin/admin_tests/post/{post.pk}/change/",
        {"_pgtrigger_transition": json.dumps(["status", "review"])},
    )
    (change,) = history(admin_client, post).context["changes"]
    assert (change.who, change.fields) == (admin_user, [("status", "Draft", "Review")])
