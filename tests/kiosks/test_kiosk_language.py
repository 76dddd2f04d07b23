"""Kiosks speak their site's language (English or Simplified Chinese): the page's own words,
the server's messages, a refusal; and the translations are complete and compiled."""

import gettext
import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from gates.decisions import REASON_TEXT
from recognition.kiosks.liveness import TURN_TEXT
from recognition.kiosks.page_texts import KIOSK_PAGE_TEXTS
from tests.factories import GateFactory
from tests.kiosks.test_kiosk_socket import COOKIE, next_of, open_socket, paired, run

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def gate_at(language: str, **fields):
    gate = GateFactory(**fields)
    gate.site.language = language
    gate.site.save()
    return gate


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "welcome", "starting"),
    [("en", "Welcome", "Starting…"), ("zh-hans", "欢迎", "正在启动…")],
)
def test_the_kiosk_page_is_in_the_sites_language(client, language, welcome, starting):
    _, credential = paired(gate_at(language))
    client.cookies[COOKIE] = credential
    page = client.get("/kiosk/")
    html = page.content.decode()
    assert f'<html lang="{language}"' in html
    config = re.search(r'<script id="kiosk-config" type="application/json">(.*?)</script>', html)
    assert json.loads(config.group(1))["texts"]["welcome"] == welcome
    assert re.search(rf'<h1 id="title">\s*{starting}', html)


@pytest.mark.django_db(transaction=True)
def test_the_servers_messages_at_a_chinese_site_are_in_chinese():
    gate = gate_at("zh-hans", verification="claim_then_face")
    _, credential = paired(gate)

    async def scenario():
        socket, _ = await open_socket(credential)
        await next_of(socket, "hello")
        await socket.send_json_to({"type": "claim", "credential": "no-such-number"})
        decision = await next_of(socket, "decision")
        await socket.disconnect()
        return decision

    decision = run(scenario)
    assert decision["reason"] == "claim_unknown"  # codes stay codes
    assert decision["message"] == "无法识别此通行证或号码。请重试或咨询前台。"


def po_entries(domain: str = "django") -> dict[str, str]:
    """msgid -> msgstr (the first form of a plural) of a Chinese catalogue (django: the
    server's texts; djangojs: the operators' pages' scripts')."""
    entries = {}
    for block in (LOCALE / f"{domain}.po").read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                current = match.group(1).replace("[0]", "")
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            entries[fields["msgid"].replace('\\"', '"')] = fields.get("msgstr", "")
    return entries


def test_every_kiosk_text_has_a_chinese_translation_and_the_compiled_catalogue_matches():
    entries = po_entries()
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert not untranslated, f"not translated in locale/zh_Hans: {untranslated}"
    words = [*KIOSK_PAGE_TEXTS.values(), *REASON_TEXT.values(), *TURN_TEXT.values()]
    with translation.override("zh-hans"):
        same = [str(w) for w in words if not re.search(r"[\u4e00-\u9fff]", str(w))]
    assert not same, f"shown in English at a Chinese site: {same}"
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    stale = [
        m
        for m, s in entries.items()
        if catalogue.get(m, catalogue.get((m, 0))) != s.replace('\\"', '"')
    ]
    assert not stale, f"django.mo is older than django.po (run compilemessages): {stale}"
