import pytest

from tests.admin_app.models import Comment, Post


@pytest.fixture
def post(db):
    """A draft post with two comments."""
    created = Post.objects.create(title="Hello", body="")
    Comment.objects.create(post=created, text="first")
    Comment.objects.create(post=created, text="second")
    return created


def messages_of(response):
    """The admin messages a (followed) response shows, as (level tag, text)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]
