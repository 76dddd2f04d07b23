"""The operators' pages in Simplified Chinese: every page each role opens (the admin's lists,
an object's page and the add page of each, the history, our own pages) shows no English word
that is not data typed by someone (names are kept as typed) or a name like QR, PDF or UTC.

A text left out of translation (a literal never wrapped in gettext, a template text without
{% translate %}, a msgid with no Chinese) shows here with the page it is on."""

import datetime as dt
import gettext
import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from gates.models import (
    AccessRule,
    Gate,
    GateGroup,
    Holiday,
    HolidayCalendar,
    Schedule,
    Site,
    TimeWindow,
)
from people.models import ConsentText, Person, PersonGroup
from people.visits import visit_register
from recognition.kiosks import pairing
from tests.factories import access_event
from tests.kiosks.test_kiosk_language import LOCALE, po_entries

pytestmark = [pytest.mark.django_db, pytest.mark.one_backend]  # words, not storage

# Names that are the same in Chinese: products, formats, units, codes.
NAMES = {
    "AccessPortal", "QR", "PIN", "PINs", "CSV", "XLSX", "PDF", "ZIP", "JSON", "API", "UTC", "URL",
    "HTTPS", "SFace", "YuNet", "ID", "IDs", "English", "px", "ms", "GMT", "CET", "CEST", "WebAuthn",
    "TOTP", "OTP", "Redis", "PostgreSQL", "SQLite", "Celery", "Daphne", "JPEG", "PNG", "OpenAPI",
    "Id", "HTTP", "POST", "HMAC", "Signature", "IANA", "Cookie", "Excel",
    "Control", "Command", "Mac",  # keys, in Django's own "按住 Control 键或 Mac 上的 Command 键"
}  # fmt: skip
# Django's admin icons carry English alt texts of their own (alt="Search", alt="True").
DJANGO_ICON = re.compile(r"/admin/img/(search|icon-yes|icon-no|icon-unknown)\.svg$")
CHECKED_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "textarea"}


class VisibleText(HTMLParser):
    """The words a person reads: text outside scripts and styles, button values, titles,
    placeholders and labels for screen readers."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        values = dict(attrs)
        for name in CHECKED_ATTRIBUTES & values.keys():
            if not (name == "alt" and DJANGO_ICON.search(values.get("src") or "")):
                self.texts.append(values[name] or "")
        if tag == "input" and values.get("type") in {"submit", "button", "reset"}:
            self.texts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


def english_words(html: str, data_words: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for chunk in text.split():
            if re.search(r"\d|@|/|\\|_|\.\w", chunk):
                continue  # numbers, codes, addresses, paths, file names, zones
            for word in re.findall(r"[A-Za-z][A-Za-z']*", chunk):
                if len(word) > 1 and word not in NAMES and word.lower() not in data_words:
                    found.add(word)
    return found


def json_values(value) -> list[str]:
    """The texts in a value, a JSON document's values without its keys (the change history
    records field names as keys: they are labels, not typed data)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_values(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in json_values(item)]
    return [str(value)]


def typed_data_words() -> set[str]:
    """Every word of every text someone typed into the product's tables (names are shown as
    typed), and the zones' names."""
    words: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label == "contenttypes" or model._meta.model_name == "permission":
            continue  # Django's own names of things, not typed by anyone
        texts = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
        ]
        for row in model.objects.values_list(*texts) if texts else ():
            for value in row:
                for text in json_values(value):
                    words.update(w.lower() for w in re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)*", text))
    for zone in zoneinfo.available_timezones():
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", zone))
    return words


@pytest.fixture
def product(users):
    """A site of a Chinese customer, with one of everything, typed in Chinese."""
    site = Site.objects.create(name="总部", slug="hq", timezone="Asia/Shanghai", language="zh-hans")
    gate = Gate.objects.create(site=site, name="正门", slug="main", direction="in")
    area = GateGroup.objects.create(name="大楼", slug="building")
    gate.groups.add(area)
    calendar = HolidayCalendar.objects.create(name="法定节假日")
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 10, 1), name="国庆节")
    office = Schedule.objects.create(name="办公时间")
    for day in range(5):
        TimeWindow.objects.create(schedule=office, weekday=day, start=dt.time(8), end=dt.time(18))
    staff = PersonGroup.objects.create(name="工程部", slug="engineering")
    wei = Person.objects.create(first_name="伟", last_name="张", employee_number="E1")
    wei.groups.add(staff)
    AccessRule.objects.create(name="工程部办公时间", group=staff, gate=gate, schedule=office)
    AccessRule.objects.create(name="张伟正门", person=wei, gate_group=area)
    ConsentText.objects.create(language="zh-hans", text="我同意采集我的面部照片用于门禁。")
    kiosk, _ = pairing.kiosk_create(gate=gate, name="大堂平板")
    access_event(gate=gate, kiosk=kiosk, person=wei, granted=True, reason="granted")
    access_event(gate=gate, kiosk=kiosk, person=None, granted=False, reason="unknown_face")
    now = timezone.now()
    visit = visit_register(
        first_name="芳", last_name="王", starts_at=now, ends_at=now + dt.timedelta(hours=4),
        gates=[gate], host=users["desk"],
    )  # fmt: skip
    return {"person": wei.pk, "site": site.pk, "visit": visit.pk}


def pages_of(client, ids) -> list[str]:
    index = client.get("/admin/").content.decode()
    lists = sorted(set(re.findall(r'href="(/admin/\w+/\w+/)"', index)))
    pages = []
    for listing in lists:
        pages.append(listing)
        html = client.get(listing).content.decode()
        first = re.search(r'<th class="field-[^"]*"><a href="([^"]+)"', html)
        if first:
            pages.append(first.group(1))
            change_page = client.get(first.group(1)).content.decode()
            pages += re.findall(r'href="([^"]+/auditlog/)" class="historylink"', change_page)
        if f'href="{listing}add/' in html:
            pages.append(f"{listing}add/")
    return [
        *pages,
        "/",
        "/admin/",
        "/recognition/status/",
        "/recognition/reports/access/?date_from=2026-01-01&date_to=2026-12-31",
        "/recognition/reports/access/?date_from=2026-12-31&date_to=2026-01-01",
        f"/gates/people/{ids['person']}/week/",
        f"/gates/sites/{ids['site']}/matrix/",
        f"/recognition/status/sites/{ids['site']}/inside/",
        "/people/visits/new",
        "/people/import",
        f"/people/visits/{ids['visit']}/",
        f"/people/{ids['person']}/pass",
        f"/recognition/people/{ids['person']}/camera",
        "/account/two_factor/",
        "/admin/password_change/",
        "/no-such-page/",
    ]


@pytest.mark.parametrize("role", ["manager", "auditor", "desk"])
def test_every_page_a_role_opens_is_in_chinese(client, users, product, role):
    client.force_login(users[role])
    client.cookies["django_language"] = "zh-hans"
    data_words = typed_data_words() | {role}
    untranslated = {}
    for url in pages_of(client, product):
        answer = client.get(url, follow=True)
        assert answer.status_code in {200, 403, 404}, (url, answer.status_code)
        words = english_words(answer.content.decode(), data_words)
        if words:
            untranslated[url] = sorted(words)
    assert not untranslated, "\n".join(f"{url}: {' '.join(w)}" for url, w in untranslated.items())


def test_the_sign_in_and_signed_out_pages_are_in_chinese(client):
    client.cookies["django_language"] = "zh-hans"
    for url in ("/account/login/", "/admin/logout/"):
        answer = client.get(url) if "login" in url else client.post(url)
        assert not english_words(answer.content.decode(), set()), url


def test_an_operator_switches_language_from_the_header(client, users):
    client.force_login(users["manager"])
    english = client.get("/admin/").content.decode()
    assert 'name="language" value="zh-hans"' in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    chinese = client.get("/admin/").content.decode()
    assert '<html lang="zh-hans"' in chinese and "<title>管理 | AccessPortal</title>" in chinese
    assert 'name="language" value="en"' in chinese


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_text_of_the_catalogues_is_translated_and_compiled(domain):
    """The server's texts (django) and the pages' scripts' (djangojs, served at /jsi18n/)."""
    entries = po_entries(domain)
    assert not [msgid for msgid, msgstr in entries.items() if not msgstr]
    with (LOCALE / f"{domain}.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    stale = [
        m
        for m, s in entries.items()
        if catalogue.get(m, catalogue.get((m, 0))) != s.replace('\\"', '"')
    ]
    assert not stale, f"{domain}.mo is older than {domain}.po (run compilemessages): {stale}"


def test_the_scripts_words_come_in_the_operators_language(client, users):
    client.force_login(users["manager"])
    client.cookies["django_language"] = "zh-hans"
    catalogue = client.get("/jsi18n/").content.decode()
    assert '"Copied": "\\u5df2\\u590d\\u5236"' in catalogue or '"Copied": "已复制"' in catalogue
