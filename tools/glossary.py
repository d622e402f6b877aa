"""The glossary (docs/glossary.toml): its public pages, and the search for wrong variants.

``python tools/glossary.py`` writes the page "Woorden die u tegenkomt in brieven" in each language
(docs/nl|tr|bg/woorden.md) from docs/glossary.toml; ``--check`` only says whether the pages and
the file still agree (tests/test_glossary.py fails while they do not). Edit the glossary, never
the pages. Front-matter keys the pages gained from elsewhere are kept. Where the site build keeps
the check month and the version a translation follows (hooks/translations.py), the Dutch page gets
``checked`` and the build writes its check-month line, and the Turkish and Bulgarian pages record
the Dutch version as ``translation_of``; without that hook the pages write the line themselves.
After adding or removing that hook, run this command once.

``python tools/glossary.py --lint`` prints every known wrong variant that a guide page or a
``.po`` msgstr uses, with file, line and the right term (the same search the tests make).
How a variant is matched is described at the top of docs/glossary.toml.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GLOSSARY = DOCS / "glossary.toml"
CATALOGS = ROOT / "participation" / "translations"
PAGE = "woorden.md"
LANGUAGES = ("nl", "tr", "bg")


# The words of the page around the glossary's own text, per language.
TEXT = {
    "nl": {
        "title": "Woorden in brieven",
        "description": "Wat betekenen conformiteitsattest, huurwaarborg, domicilie en andere woorden "
                       "op brieven? Korte uitleg, met het Turkse en het Bulgaarse woord.",
        "heading": "Woorden die u tegenkomt in brieven",
        "intro": [
            "Op brieven van de stad, van GAOZ of van uw verhuurder staan vaak woorden die u misschien niet kent.",
            "Op deze pagina leest u wat ze betekenen.",
            "Bij elk woord staat ook het Turkse en het Bulgaarse woord dat we op deze website gebruiken.",
            "De uitleg is kort: wat in uw brief staat, geldt.",
            "Begrijpt u een brief niet? Vraag uitleg aan de dienst die de brief stuurde, "
            "of lees [Hulp en contact](contact.md).",
        ],
        "sources": "## Bronnen {#sources}",
        "no_date": "zonder datum",
    },
    "tr": {
        "title": "Mektuplardaki kelimeler",
        "description": "Mektuplardaki kelimeler ne demek? Konut uygunluk belgesi, kira depozitosu, "
                       "ikamet kaydı ve diğerleri, kısaca açıklanmış.",
        "heading": "Mektuplarda karşılaşacağınız kelimeler",
        "intro": [
            "Belediyeden, <span lang=\"nl\">GAOZ</span>'dan ya da ev sahibinizden gelen mektuplarda "
            "çoğu zaman bilmediğiniz Felemenkçe (Hollandaca) kelimeler vardır.",
            "Bu sayfada bu kelimelerin ne anlama geldiğini okursunuz.",
            "Her kelimenin yanında bu sitede kullandığımız Türkçe karşılığı da yazar.",
            "Açıklamalar kısadır: geçerli olan, mektubunuzda yazandır.",
            "Bir mektubu anlamıyor musunuz? Mektubu gönderen birimden açıklama isteyin "
            "ya da [Yardım ve iletişim](contact.md) sayfasını okuyun.",
        ],
        "sources": "## Kaynaklar {#sources}",
        "no_date": "sayfada tarih yok",
        "page_date": "sayfa tarihi {date}",
        "document_date": "belge tarihi {date}",
    },
    "bg": {
        "title": "Думи в писмата",
        "description": "Какво означават думите в писмата? Удостоверение за съответствие, гаранция "
                       "за наема, адресна регистрация и други, обяснени накратко.",
        "heading": "Думи, които ще срещнете в писмата",
        "intro": [
            "В писмата от общината, от <span lang=\"nl\">GAOZ</span> или от наемодателя ви често има "
            "нидерландски (холандски) думи, които може би не познавате.",
            "На тази страница ще прочетете какво означават.",
            "До всяка дума е и българската дума, която използваме в този сайт.",
            "Обясненията са кратки: важи това, което пише в писмото ви.",
            "Не разбирате някое писмо? Поискайте обяснение от отдела, който го е изпратил, "
            "или прочетете [Помощ и контакт](contact.md).",
        ],
        "sources": "## Източници {#sources}",
        "no_date": "без дата",
    },
}
TRANSLATION_LINE = {
    "nl": 'In het Turks: <span lang="tr">{tr}</span>. In het Bulgaars: <span lang="bg">{bg}</span>.',
    "tr": "Türkçesi: **{tr}**",
    "bg": "На български: **{bg}**",
}
_OWN_KEYS = ("checked", "title", "description")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n", re.S)


# --- the file ------------------------------------------------------------------------------------

@cache
def load(path: Path = GLOSSARY) -> dict:
    """The glossary as parsed TOML."""
    with path.open("rb") as file:
        return tomllib.load(file)


def public_terms(glossary: dict) -> list[dict]:
    """The terms shown on the public page, in the file's order."""
    return [term for term in glossary["term"] if term.get("public", True)]


# --- the public pages ----------------------------------------------------------------------------

def localized_date(value: str, language: str) -> str:
    """``2023-11-21`` / ``2023-11`` as the page's language writes it, in the site build's words
    (hooks/translations.py: "november 2026", "Kasım 2026", "ноември 2026 г.")."""
    site = _translation_versions()
    if value.count("-") == 2:
        return site.day_label(dt.date.fromisoformat(value), language)
    return site.month_label(value, language)


def source_line(source: dict, language: str) -> str:
    """One item of the sources section; titles stay Dutch, marked so on tr/bg pages."""
    words = TEXT[language]
    title = source["title"] if language == "nl" else f'<span lang="nl">{source["title"]}</span>'
    if not source["date"]:
        when = words["no_date"]
    else:
        when = localized_date(source["date"], language)
        if language == "tr":
            when = words["page_date" if source["url"] else "document_date"].format(date=when)
    line = f"- {title} ({when})"
    return f"{line}: <{source['url']}>" if source["url"] else line


def _translation(word: str, page_language: str) -> str:
    """A term's translation; on tr/bg pages the names inside it (GAOZ) marked as Dutch.

    On the Dutch page the translation is itself a marked part (lang="tr", lang="bg"): no
    marking nested inside it.
    """
    return word if page_language == "nl" else word.replace("GAOZ", '<span lang="nl">GAOZ</span>')


def render(language: str, glossary: dict, kept_front_matter: list[str] = ()) -> str:
    """The page in ``language``: every public term per section, then the sources.

    The check month is ``checked`` in the Dutch page's front matter; the site build writes the
    check-month line from it (hooks/translations.py).
    """
    words = TEXT[language]
    terms = public_terms(glossary)
    front = [*kept_front_matter]
    if language == "nl":
        front.append(f"checked: {glossary['checked']}")
    front += [f"title: {words['title']}", f"description: {words['description']}"]
    lines = ["---", *front, "---", "", f"# {words['heading']}", "", *words["intro"], ""]
    for group in glossary["group"]:
        members = [term for term in terms if term["group"] == group["id"]]
        if not members:
            continue
        lines += [f"## {group[language]}", ""]
        for term in members:
            name = term["nl"] if language == "nl" else f'<span lang="nl">{term["nl"]}</span>'
            translation = TRANSLATION_LINE[language].format(
                tr=_translation(term["tr"], language), bg=_translation(term["bg"], language))
            lines += [f"### {name}", "", translation, "", term["explain"][language], ""]
    used = {source_id for term in terms for source_id in term.get("sources", [])}
    lines += [words["sources"], ""]
    lines += [source_line(source, language) for source in glossary["source"] if source["id"] in used]
    return "\n".join(lines) + "\n"


def split_front_matter(text: str) -> tuple[list[str], str]:
    """The front-matter lines of a page and the rest of it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return [], text
    return (match.group(1) or "").splitlines(), text[match.end():]


def kept_lines(text: str) -> list[str]:
    """Front-matter lines of a page that the glossary does not write (kept as they are)."""
    lines, _ = split_front_matter(text)
    return [line for line in lines if not line.startswith(tuple(f"{key}:" for key in _OWN_KEYS))]


def _translation_versions():
    """hooks/translations.py's ``version_of``, where the site records what a translation follows."""
    module_path = ROOT / "hooks" / "translations.py"
    spec = importlib.util.spec_from_file_location("_site_translations", module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def expected_pages(glossary: dict | None = None) -> dict[Path, str]:
    """Each page's path and the text the glossary gives it.

    The Turkish and Bulgarian pages are written from the same file as the Dutch page, so they
    translate the Dutch page as it is now: they record the Dutch page's current version
    (``translation_of``, hooks/translations.py).
    """
    glossary = glossary or load()
    translations = _translation_versions()
    pages = {}
    for language in LANGUAGES:
        path = DOCS / language / PAGE
        existing = path.read_text(encoding="utf-8") if path.is_file() else ""
        kept = kept_lines(existing)
        if language != "nl":
            key = translations.RECORD_KEY
            kept = [f'{key}: "{translations.version_of(pages[DOCS / "nl" / PAGE])}"',
                    *(line for line in kept if not line.startswith(f"{key}:"))]
        pages[path] = render(language, glossary, kept)
    return pages


# --- wrong variants ------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_ATTRIBUTE_LIST = re.compile(r"\{[^{}\n]*\}")
_LETTER = r"[^\W\d_]"  # a letter of any script
_GAP = r"[^.!?\n]{0,80}?"  # "…": at most 80 characters, inside one sentence


def plain(text: str) -> str:
    """Text as variants are compared with it: no tags, emphasis or attribute lists; lower case."""
    text = _TAG.sub("", text)
    text = _ATTRIBUTE_LIST.sub("", text)
    text = text.replace("*", "")
    return text.replace("İ", "i").lower()


def variant_pattern(variant: str) -> re.Pattern:
    """The regular expression of a variant, as the top of docs/glossary.toml describes it."""
    body, after_gap = "", False
    for part in variant.split():
        if part == "…":
            body, after_gap = body + _GAP, True
            continue
        if body and not after_gap:
            body += r"\s+"
        stem = part.endswith("*")
        word = re.escape(plain(part.rstrip("*")))
        body += rf"(?<!{_LETTER}){word}" + (f"{_LETTER}*" if stem else f"(?!{_LETTER})")
        after_gap = False
    return re.compile(body)


@dataclass(frozen=True)
class Finding:
    """A wrong variant found in a file."""

    file: Path
    line: int
    variant: str
    term: dict
    language: str
    text: str

    def __str__(self) -> str:
        where = self.file.relative_to(ROOT) if self.file.is_relative_to(ROOT) else self.file
        right = self.term[self.language] if self.language in self.term else self.term["nl"]
        return (f"{where}:{self.line}: \"{self.variant}\" → {right} "
                f"({self.term['nl']}; docs/glossary.toml, {self.term['id']})")


def variants(glossary: dict, language: str) -> list[tuple[str, re.Pattern, dict]]:
    """Every wrong variant of one language with its pattern and term."""
    return [(variant, variant_pattern(variant), term)
            for term in glossary["term"]
            for variant in term.get("wrong", {}).get(language, [])]


def find_in_text(text: str, language: str, glossary: dict, file: Path, first_line: int = 1) -> list[Finding]:
    """The wrong variants in ``text``, line by line; of two overlapping matches the longer one."""
    found = []
    checks = variants(glossary, language)
    for number, line in enumerate(text.split("\n"), start=first_line):
        flat = plain(line)
        hits = [(match.span(), variant, term) for variant, pattern, term in checks
                for match in pattern.finditer(flat)]
        seen = set()
        for (start, end), variant, term in hits:
            inside_longer = any(s <= start and end <= e and (e - s) > (end - start) for (s, e), _, _ in hits)
            if not inside_longer and variant not in seen and (start, end) not in seen:
                seen.update({variant, (start, end)})
                found.append(Finding(file, number, variant, term, language, line.strip()))
    return found


def guide_pages(docs: Path = DOCS) -> list[tuple[str, Path]]:
    """Every Markdown page of every language folder."""
    return [(language, path) for language in LANGUAGES for path in sorted((docs / language).rglob("*.md"))]


def msgstrs(po: Path) -> list[tuple[int, str]]:
    """Each translated text of a catalog (every plural form) with the line of its entry."""
    with po.open("rb") as file:
        catalog = read_po(file)
    entries = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        entries += [(message.lineno, text) for text in strings if text]
    return entries


def lint(glossary: dict | None = None, docs: Path = DOCS, catalogs: Path = CATALOGS) -> list[Finding]:
    """Every wrong variant in the guide pages and the msgstrs of the catalogs."""
    glossary = glossary or load()
    found = []
    for language, path in guide_pages(docs):
        found += find_in_text(path.read_text(encoding="utf-8"), language, glossary, path)
    for language in LANGUAGES:
        po = catalogs / language / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            for number, text in msgstrs(po):
                found += find_in_text(text.replace("\n", " "), language, glossary, po, number)
    return found


# --- the Dutch term beside its translation ------------------------------------------------------

_MARKED_IN_PARENTHESES = re.compile(r"\(\*([^*]+)\*\{\s*lang=nl\s*\}\)")
LANGUAGE_NAMES = {"tr": ("felemenkçe", "hollandaca"), "bg": ("нидерландск", "холандск")}


def stem_pattern(phrase: str) -> re.Pattern:
    """A translation with room for endings: each word of five letters or more loses its last three."""
    words = re.findall(r"[^\W\d_]+|\d+", plain(phrase))
    stems = [re.escape(word if len(word) < 5 else word[:max(4, len(word) - 3)]) + f"{_LETTER}*" for word in words]
    return re.compile(rf"(?<!{_LETTER})" + r"[\W\d_]+".join(stems))


def dutch_terms(glossary: dict) -> dict[str, dict]:
    """Each Dutch word a page may mark (the term and its nl_forms, lower case) and its term."""
    return {form.lower(): term for term in public_terms(glossary)
            for form in [term["nl"], *term.get("nl_forms", [])]}


def translations_before_dutch_terms(glossary: dict | None = None, docs: Path = DOCS) -> list[str]:
    """Where a tr/bg page writes "translation (*Dutch term*{lang=nl})" with another translation.

    Only terms in parentheses are checked: that is how CONTENT.md puts a term beside its
    translation. The 90 characters before the parenthesis must hold the glossary's translation
    (or one of its ``also`` forms), with any endings.
    """
    glossary = glossary or load()
    terms = dutch_terms(glossary)
    found = []
    for language, path in guide_pages(docs):
        if language == "nl":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            for match in _MARKED_IN_PARENTHESES.finditer(line):
                term = terms.get(match.group(1).strip().lower())
                if term is None:
                    continue
                before = plain(line[: match.start()])[-90:]
                accepted = [term[language], *term.get("also", {}).get(language, [])]
                if not any(stem_pattern(form).search(before) for form in accepted):
                    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                    found.append(f"{where}:{number}: \"…{before[-40:].strip()}\" before "
                                 f"({match.group(1)}) → {term[language]}")
    return found


def first_mentions_of_dutch(docs: Path = DOCS) -> list[str]:
    """tr/bg pages whose first mention of Dutch (headings included) lacks the everyday name beside it."""
    found = []
    for language, path in guide_pages(docs):
        if language not in LANGUAGE_NAMES:
            continue
        formal, everyday = LANGUAGE_NAMES[language]
        _, body = split_front_matter(path.read_text(encoding="utf-8"))
        offset = path.read_text(encoding="utf-8").count("\n") - body.count("\n")
        for number, line in enumerate(body.split("\n"), start=1 + offset):
            flat = plain(line)
            match = re.search(rf"(?<!{_LETTER}){formal}{_LETTER}*", flat)
            if match:
                if not re.match(rf"\s*\(\s*{everyday}", flat[match.end():]):
                    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                    found.append(f"{where}:{number}: first mention \"{match.group(0)}\" without "
                                 f"\"({everyday}…)\" beside it")
                break
    return found


def main(argv: list[str] | None = None) -> int:
    """Write the pages, check them, or list the wrong variants."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the pages are up to date")
    parser.add_argument("--lint", action="store_true", help="list the wrong variants in pages and catalogs")
    options = parser.parse_args(argv)
    if options.lint:
        found = lint()
        for finding in found:
            print(finding)
        return 1 if found else 0
    stale = [path for path, text in expected_pages().items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if options.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from docs/glossary.toml: run python tools/glossary.py")
        return 1 if stale else 0
    for path, text in expected_pages().items():
        if path in stale:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
