"""The admin end to end: Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium) against a live server of this test project.

Skipped when no browser is installed, unless ``PGTRIGGER_REQUIRE_BROWSER=1`` (``.ci/run``),
which makes it fail instead. ``PGTRIGGER_SCREENSHOTS=docs/admin`` saves the screenshots of
the docs' "The admin" page there.
"""

import io
import json
import os
import pathlib
import shutil

import pytest
from django.core.management import call_command

import pgtrigger
from tests.admin_app.models import Comment, Post

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
try:
    import selenium
except ImportError:  # pragma: no cover - the dev extra installs it
    selenium = None

_missing = (
    "selenium is not installed (pip install -e '.[dev]')"
    if selenium is None
    else "no browser: apt-get install chromium chromium-driver"
    if not (CHROMIUM and CHROMEDRIVER)
    else None
)
if _missing and os.environ.get("PGTRIGGER_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"PGTRIGGER_REQUIRE_BROWSER=1 but {_missing}")
pytestmark = [
    pytest.mark.skipif(_missing is not None, reason=_missing or ""),
    pytest.mark.django_db(transaction=True, databases=["default", "other"]),
]

SHOTS = os.environ.get("PGTRIGGER_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,860")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


class Page:
    """The browser on the live server: open pages, submit, read messages."""

    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url

    def open(self, path):
        self.driver.get(self.base_url + path)

    def find(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def submit(self, css):
        """Click ``css`` and wait for the next page to have loaded.

        The old page is marked with a window property, which the next document does not have.
        Selenium's ``staleness_of`` is not used: while the old document is torn down, Chromium
        can answer its check with an "unknown error" instead of a stale-element error.
        """
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.execute_script("window.__pgtriggerOldPage = true;")
        self.find(css).click()

        def next_page_loaded(driver):
            try:
                return driver.execute_script(
                    "return !window.__pgtriggerOldPage && document.readyState === 'complete';"
                )
            except WebDriverException:  # the old document is going away: ask again
                return False

        WebDriverWait(self.driver, 10).until(next_page_loaded)

    def action(self, name, *values):
        from selenium.webdriver.support.ui import Select

        for value in values:
            self.find(f'input.action-select[value="{value}"]').click()
        Select(self.find('select[name="action"]')).select_by_value(name)
        self.submit('button[name="index"]')

    def messages(self):
        from selenium.webdriver.common.by import By

        items = self.driver.find_elements(By.CSS_SELECTOR, "ul.messagelist li")
        return [(item.get_attribute("class"), item.text) for item in items]

    def shot(self, name):
        if SHOTS:
            pathlib.Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(pathlib.Path(SHOTS) / f"{name}.png"))


def ls(database="default"):
    out = io.StringIO()
    call_command("pgtrigger", "ls", "--format", "json", "-d", database, stdout=out)
    return {row["uri"]: (row["status"], row["enabled"]) for row in json.loads(out.getvalue())}


@pytest.fixture
def restore_triggers():
    """The test changes installed triggers, which a flush does not undo: put them back."""
    uris = [t.get_uri(m) for m in (Post, Comment) for t in m._meta.triggers]
    yield uris
    pgtrigger.install(*uris)


def test_admin_in_a_browser(browser, live_server, django_user_model, restore_triggers, run_sql):
    django_user_model.objects.create_superuser("admin", "admin@example.com", "password")
    post = Post.objects.create(title="Hello", body="")
    comments = [Comment.objects.create(post=post, text=t) for t in ("First!", "Nice post")]
    page = Page(browser, live_server.url)

    # Log in.
    page.open("/admin/login/?next=/admin/")
    page.find("#id_username").send_keys("admin")
    page.find("#id_password").send_keys("password")
    page.submit('input[type="submit"]')
    assert "Site administration" in browser.title

    # A transition, then one that another trigger refuses: an error message, not a 500.
    page.open(f"/admin/admin_tests/post/{post.pk}/change/")
    page.submit('button[value=\'["status", "review"]\']')
    assert page.messages() == [("success", 'Hello: Changed status from "draft" to "review".')]
    page.submit('button[value=\'["status", "published"]\']')
    ((level, text),) = page.messages()
    assert level == "error" and "A post needs a body to be published" in text
    assert Post.objects.get().status == "review"
    page.shot("fsm")

    # Edit the title, for the history.
    title = page.find("#id_title")
    title.clear()
    title.send_keys("Hello, world")
    page.submit('input[name="_continue"]')

    # The history, from the change form's button.
    page.submit("a.historylink")
    rows = page.driver.find_elements("css selector", "tr.pgtrigger-change")
    assert [r.text.split("admin ")[-1] for r in rows] == [
        "title Hello Hello, world",
        "status Draft Review",
    ]
    page.shot("history")

    # Soft-delete from the change list (Django's action), then undelete.
    page.open("/admin/admin_tests/post/")
    page.action("delete_selected", post.pk)
    page.submit('#content form input[type="submit"]')
    assert not Post.objects.filter(is_active=True).exists()
    assert not Comment.objects.filter(is_active=True).exists()
    page.submit('a[href="?deleted=deleted"]')
    page.shot("soft_delete")
    page.action("undelete_selected", post.pk)
    assert page.messages() == [("success", "Undeleted 1 row(s).")]
    assert sorted(Comment.objects.filter(is_active=True).values_list("pk", flat=True)) == [
        c.pk for c in comments
    ]

    # The status page: an OUTDATED trigger and its diff, then disable and install.
    versioning, soft_delete = "admin_tests.Post:versioning", "admin_tests.Comment:soft_delete"
    ((model, trigger),) = pgtrigger.registered(soft_delete)
    run_sql(
        f'CREATE OR REPLACE FUNCTION "{trigger.get_pgid(model)}"() RETURNS TRIGGER AS $$ '
        "BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql"
    )
    page.open("/admin/pgtrigger_admin/trigger/?app=admin_tests&database=default")
    page.find("details summary").click()
    page.shot("status")
    page.action("disable", f"default|{versioning}")
    page.shot("status_confirm")
    page.submit('input[type="submit"]')
    assert ls()[versioning] == ("INSTALLED", False)
    assert "DISABLED" in page.find("table#result_list").text
    page.action("install", f"default|{versioning}", f"default|{soft_delete}")
    page.submit('input[type="submit"]')
    assert (ls()[versioning], ls()[soft_delete]) == (("INSTALLED", True), ("INSTALLED", True))
    assert [level for level, _ in page.messages()] == ["success"]
