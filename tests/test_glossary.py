"""One word per term: the glossary (docs/glossary.toml), its public page, and the wrong variants.

A failure names the file, the line, the wrong variant and the glossary's term. Fix the page or
the msgstr; a variant that turns out right in some context belongs in the term's note instead
(docs/glossary.toml says how variants are matched).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location("glossary_tool", ROOT / "tools" / "glossary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


glossary_tool = _load_tool()
GLOSSARY = glossary_tool.load()
TERMS = GLOSSARY["term"]
LANGUAGES = ("nl", "tr", "bg")
TERMS_ON_LETTERS = [
    "conformiteitsattest", "huurwaarborg", "woonloket", "gaoz", "dienst-wonen", "contactmedewerker",
    "huis-van-het-kind", "domicilie", "ambtshalve-schrapping", "vrederechter", "huurcontract",
    "huurder", "verhuurder", "ongeschikt", "onbewoonbaar", "woningonderzoek", "huisjesmelker",
    "sociaal-verhuurkantoor", "woonmaatschappij", "wijkagent", "inburgering", "leefloon",
    "aangetekende-brief", "zakelijk-recht", "renovatiepremie", "mijn-verbouwlening",
    "wijkverbeteringscontract", "huiswerkbegeleiding", "buurthuis", "overlast", "gehoord-worden",
    "opvoeding", "stad", "nederlands", "vlaanderen",
]


def _numbers(text: str) -> list[str]:
    """The numbers of a text in order; "60.000" and "60 000" count as one number."""
    return re.findall(r"\d+", re.sub(r"(?<=\d)[ .\u00a0](?=\d{3}\b)", "", text))


# --- the file ------------------------------------------------------------------------------------

def test_every_term_has_one_turkish_and_one_bulgarian_word_and_an_explanation_in_three_languages():
    ids = [term["id"] for term in TERMS]
    assert len(ids) == len(set(ids)), "two terms share an id"
    assert set(TERMS_ON_LETTERS) <= set(ids)
    groups = {group["id"] for group in GLOSSARY["group"]}
    sources = {source["id"] for source in GLOSSARY["source"]}
    for term in TERMS:
        for language in LANGUAGES:
            assert isinstance(term.get(language), str) and term[language].strip(), (term["id"], language)
        assert set(term.get("wrong", {})) <= set(LANGUAGES), term["id"]
        if not term.get("public", True):
            assert term.get("note"), f"{term['id']}: a writing rule says what it is in its note"
            continue
        assert term.get("group") in groups, term["id"]
        for language in LANGUAGES:
            text = term.get("explain", {}).get(language, "")
            assert len(text.split()) >= 8, f"{term['id']}: no explanation in {language}"
        assert term.get("sources") and set(term["sources"]) <= sources, term["id"]
    for source in GLOSSARY["source"]:
        assert source["title"], source["id"]
        assert source["date"] == "" or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", source["date"]), source["id"]
    assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", GLOSSARY["checked"])
    for language in LANGUAGES:
        listed = [variant for term in TERMS for variant in term.get("wrong", {}).get(language, [])]
        assert len(listed) == len(set(listed)), f"{language}: a variant belongs to one term only"


def test_the_three_explanations_of_a_term_give_the_same_numbers_in_the_same_order():
    for term in glossary_tool.public_terms(GLOSSARY):
        numbers = {language: _numbers(term["explain"][language]) for language in LANGUAGES}
        assert numbers["tr"] == numbers["nl"] == numbers["bg"], (term["id"], numbers)


def test_no_right_word_is_caught_as_a_wrong_variant():
    """A variant that matches the glossary's own words would make every correct page fail."""
    for language in ("tr", "bg", "nl"):
        checks = glossary_tool.variants(GLOSSARY, language)
        for term in TERMS:
            right = [term[language], *term.get("also", {}).get(language, [])]
            for text in right:
                for variant, pattern, _ in checks:
                    assert not pattern.search(glossary_tool.plain(text)), (term["id"], text, variant)


# --- the matching -------------------------------------------------------------------------------

PLANTED = {
    "tr": [
        ("İletişim görevlisine sorun.", "contactmedewerker"),
        ("Bunu GAOZ konut bürosuna bildirin.", "woonloket"),
        ("Flandra'da hayat nasıl?", "vlaanderen"),
        ("En iyisi iadeli taahhütlü bir mektup.", "aangetekende-brief"),
        ("Ev üzerinde ayni hakkı olan kişi.", "zakelijk-recht"),
        ("Bir yenileme primi alabilirsiniz.", "renovatiepremie"),
        ("Bunu sulh hakimine sorun.", "vrederechter"),
        ("Bu sayfa, ödev desteğinin bugün yapılıp yapılmadığını bilmiyor.", "we-weten-niet"),
        ("Belediye sizi kendiliğinden kayıttan silebilir.", "ambtshalve-schrapping"),
    ],
    "bg": [
        ("Попитайте служителя за контакт.", "contactmedewerker"),
        ("Контактният служител ще ви помогне.", "contactmedewerker"),
        ("Campus O³ е „Домът на детето“ в Генк.", "huis-van-het-kind"),
        ("Това е вашият постоянен адрес.", "domicilie"),
        ("Има безпокойство в квартала.", "overlast"),
        ("Попитайте жилищната служба на <span lang=\"nl\">GAOZ</span>.", "woonloket"),
        ("Тази страница не знае телефона.", "we-weten-niet"),
    ],
    "nl": [
        ("Deze pagina weet de openingsuren niet.", "we-weten-niet"),
    ],
}
RIGHT = {
    "tr": [
        "Bir irtibat görevlisine (*contactmedewerker*{lang=nl}) sorun.",
        "Bir yer boşalınca sıranız kendiliğinden ilerler.",
        "Flaman Bölgesi'nde bir belediyeye kayıtlısınız.",
        "Bu bilgi bu sayfada yok. Bunu bilmiyoruz.",
        "Kartınızı yenilemek için belediyeye gidin.",
        "Sulh hâkimine (*vrederechter*{lang=nl}) başvurabilirsiniz.",
    ],
    "bg": [
        "Попитайте сътрудника за контакт. Служителят на общината също помага.",
        "Campus O³ е Къщата на детето в Генк. В Генк има три Къщи на детето.",
        "Не знаем работното време.",
        "Адресът, на който реално живеете.",
    ],
    "nl": ["Dat weten we niet. Deze pagina legt uit hoe het gaat."],
}


@pytest.mark.parametrize("language", ["tr", "bg", "nl"])
def test_the_check_catches_planted_variants_in_a_page_and_a_catalog(tmp_path, language):
    docs, catalogs = tmp_path / "docs", tmp_path / "translations"
    for folder in LANGUAGES:
        (docs / folder).mkdir(parents=True)
    lines = ["---", "title: Proef", "---", "", "# Proef", ""]
    planted_page = [(len(lines) + index + 1, text, term) for index, (text, term) in enumerate(PLANTED[language])]
    lines += [text for _, text, _ in planted_page] + RIGHT[language]
    (docs / language / "proef.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    po = catalogs / language / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    text, term = PLANTED[language][0]
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'#: x.py:1\nmsgid "Right"\nmsgstr "{RIGHT[language][0]}"\n\n'
        f'#: x.py:2\nmsgid "Planted"\nmsgstr ""\n"{text[:8]}"\n"{text[8:]}"\n',
        encoding="utf-8")

    found = glossary_tool.lint(GLOSSARY, docs=docs, catalogs=catalogs)

    in_page = {(f.line, f.term["id"]) for f in found if f.file.suffix == ".md"}
    assert in_page == {(line, term) for line, _, term in planted_page}
    in_catalog = [f for f in found if f.file.suffix == ".po"]
    assert [(f.line, f.term["id"]) for f in in_catalog] == [(10, term)]  # the line of its msgid
    message = str(in_catalog[0])
    assert "messages.po:10" in message and GLOSSARY_TERM(term)[language] in message


def GLOSSARY_TERM(term_id: str) -> dict:  # noqa: N802 - reads as a lookup table
    return next(term for term in TERMS if term["id"] == term_id)


# --- the pages and catalogs ---------------------------------------------------------------------

def test_no_guide_page_uses_a_wrong_variant():
    found = [f for f in glossary_tool.lint(GLOSSARY) if f.file.suffix == ".md"]
    assert not found, "wrong variants in the guides:\n" + "\n".join(map(str, found))


def test_no_interface_message_uses_a_wrong_variant():
    found = [f for f in glossary_tool.lint(GLOSSARY) if f.file.suffix == ".po"]
    assert not found, "wrong variants in the catalogs:\n" + "\n".join(map(str, found))


def test_a_dutch_term_in_parentheses_follows_the_glossary_translation():
    """`konut uygunluk belgesi (*conformiteitsattest*{lang=nl})`, not another word before it."""
    found = glossary_tool.translations_before_dutch_terms(GLOSSARY)
    assert not found, "\n".join(found)


def test_the_first_mention_of_dutch_on_a_translated_page_gives_the_everyday_name_too():
    """Felemenkçe (Hollandaca), нидерландски (холандски): the first time the page names Dutch."""
    found = glossary_tool.first_mentions_of_dutch()
    assert not found, "\n".join(found)


def test_the_check_of_the_term_beside_its_translation_can_fail(tmp_path):
    docs = tmp_path / "docs"
    (docs / "tr").mkdir(parents=True)
    (docs / "tr" / "proef.md").write_text(
        "Bunu sulh hakiminden (*vrederechter*{lang=nl}) isteyin.\n"
        "Konut uygunluk belgesine (*conformiteitsattest*{lang=nl}) başvurun.\n"
        "Orada Felemenkçe öğrenirsiniz. Felemenkçe (Hollandaca) zordur.\n", encoding="utf-8")
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1]
            for line in glossary_tool.translations_before_dutch_terms(GLOSSARY, docs)] == ["1"]
    assert len(glossary_tool.first_mentions_of_dutch(docs)) == 1


# --- the public page ----------------------------------------------------------------------------

def _front_matter_and_body(text: str) -> tuple[dict, str]:
    lines, body = glossary_tool.split_front_matter(text)
    return yaml.safe_load("\n".join(lines)) or {}, body


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_page_is_what_the_glossary_gives(language):
    path = ROOT / "docs" / language / glossary_tool.PAGE
    expected = glossary_tool.expected_pages(GLOSSARY)[path]
    assert path.is_file(), f"{path} missing: run python tools/glossary.py"
    assert _front_matter_and_body(path.read_text(encoding="utf-8")) == _front_matter_and_body(expected), (
        f"{path.relative_to(ROOT)} differs from docs/glossary.toml: run python tools/glossary.py")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_page_shows_each_word_from_letters_with_its_translation(language):
    text = (ROOT / "docs" / language / glossary_tool.PAGE).read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", text, re.M)
    terms = glossary_tool.public_terms(GLOSSARY)
    marked = (lambda word: word) if language == "nl" else (lambda word: f'<span lang="nl">{word}</span>')
    assert headings == [marked(term["nl"]) for term in sorted(
        terms, key=lambda t: [g["id"] for g in GLOSSARY["group"]].index(t["group"]))]
    for term in terms:
        assert term["explain"][language] in text
    assert re.search(r"^## .*\{#sources\}$", text, re.M)


def test_the_glossary_file_is_not_published():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^exclude_docs:[^\n]*\n(\s+.*\n)*?\s+/glossary\.toml$", config, re.M)


# --- the catalogs' plural entries ---------------------------------------------------------------

PLACE_COUNTS = [
    "%(group)s is full (%(places)d place). Put the child on the waiting list, or choose another group.",
    "%(taken)d of %(capacity)d place taken, %(left)d left.",
    "%(taken)d of %(places)d place taken",
]


@pytest.mark.parametrize("msgid", PLACE_COUNTS)
def test_a_number_of_places_takes_the_plural_form_of_each_language(msgid):
    """bg "1 място", "5 места" (the review: "общо %(places)d места" said "1 места")."""
    from babel.messages.pofile import read_po

    placeholders = sorted(re.findall(r"%\(\w+\)d", msgid))
    for language in LANGUAGES:
        with (glossary_tool.CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
            catalog = read_po(file, locale=language)
        message = catalog[msgid]
        assert message is not None and message.pluralizable, (language, msgid)
        assert len(message.string) == catalog.num_plurals and all(message.string), (language, message.string)
        assert "fuzzy" not in message.flags, (language, msgid)
        for form in message.string:
            assert sorted(re.findall(r"%\(\w+\)d", form)) == placeholders, (language, form)
    with (glossary_tool.CATALOGS / "bg" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        one, many = read_po(file, locale="bg")[msgid].string
    assert "място" in one and "места" in many
