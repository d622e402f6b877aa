"""A Turkish or Bulgarian guide has the structure of its Dutch guide: no content of its own.

The built pages are compared, section by section (a section runs from one `<h2>` to the next; the
first holds the `<h1>` and the introduction): the headings and their levels, lists (kind and number
of items), tables (rows × columns), warning boxes (their kind), links (their targets, with the
language folder taken off) and every number in the text (amounts, dates, phone numbers: the digits,
thousands separators left out), all in document order. Within one paragraph, list item, table cell
or heading the numbers may come in any order, as the words of a sentence do. A section moved
elsewhere fails. The translation notice (overrides/partials/translation-notice.html) is left out.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from site_helpers import DEFAULT_LANGUAGE, LANGUAGES, guide_paths

ORIGIN = "http://127.0.0.1:8000"
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
LEFT_OUT = ".translation-notice, script, style"


@dataclass
class Section:
    """The part of a page from one `<h2>` to the next: its heading's text and what it holds."""

    heading: str
    items: list[tuple] = field(default_factory=list)


# Where numbers are counted together: Turkish and Bulgarian put the words of a sentence in another
# order ("0 % rente in plaats van 1,5 %" is "%1,5 yerine %0"), so within one paragraph, list item,
# table cell or heading the numbers may come in any order; the blocks themselves keep theirs.
BLOCKS = {"p", "li", "td", "th", "dt", "dd", "caption", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6"}
# 3.746 (nl, tr) and 3746 or 3 746 (bg) are the same number: thousands separators do not count.
NUMBER = re.compile(r"(?<![0-9])[0-9]{1,3}(?:[.\u00a0\u202f ][0-9]{3})+(?![0-9])|[0-9]+")


def numbers_in(text: str) -> list[str]:
    """The numbers in a text, as digits only: "€ 2.750 op 1 maart" -> ["2750", "1"]."""
    return [re.sub(r"[^0-9]", "", number) for number in NUMBER.findall(text)]


def structure(soup: BeautifulSoup, url: str, language: str) -> list[Section]:
    """The sections of a built page's article, each as the sequence of things a translation keeps."""
    article = BeautifulSoup(str(soup.select_one("article")), "html.parser")
    for element in article.select(LEFT_OUT):
        element.decompose()
    h1 = article.find("h1")
    sections = [Section(_text(h1) if h1 else "")]

    def visit(node: Tag, numbers: list[str]) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                numbers.extend(numbers_in(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "h2":
                sections.append(Section(_text(child)))
            if re.fullmatch(r"h[1-6]", name):
                sections[-1].items.append(("heading", int(name[1])))
            elif name in ("ul", "ol"):
                sections[-1].items.append(("list", name, len(child.find_all("li", recursive=False))))
            elif name == "table":
                rows = child.find_all("tr")
                columns = max((len(row.find_all(["th", "td"], recursive=False)) for row in rows), default=0)
                sections[-1].items.append(("table", len(rows), columns))
            elif "admonition" in child.get("class", []):
                kind = " ".join(c for c in child["class"] if c != "admonition")
                sections[-1].items.append(("box", kind))
            elif name == "a" and child.get("href"):
                sections[-1].items.append(("link", link_target(child["href"], url, language)))
            if name in BLOCKS:
                inside: list[str] = []
                visit(child, inside)
                if inside:
                    sections[-1].items.append(("numbers", tuple(sorted(inside, key=lambda n: (len(n), n)))))
            else:
                visit(child, numbers)

    loose: list[str] = []  # numbers outside any block: none in Markdown's output
    visit(article.find("article") or article, loose)
    if loose:
        sections[-1].items.append(("numbers", tuple(sorted(loose, key=lambda n: (len(n), n)))))
    return sections


def _text(element: Tag) -> str:
    return " ".join(element.get_text().split())


def link_target(href: str, url: str, language: str) -> str:
    """Where a link goes, the same for every language: `/tr/wonen/huren/` on a Turkish page and
    `/wonen/huren/` on a Dutch one are both `/wonen/huren/`; a link into another language's folder
    keeps that language (`nl:/wonen/huren/` on a Turkish page).

    Fragments are dropped: heading anchors differ per language (CONTENT.md links pages, not headings).
    """
    parts = urlsplit(urljoin(ORIGIN + url, href))
    if parts.scheme in ("mailto", "tel"):
        return href
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return urlunsplit(parts._replace(fragment=""))
    folder, path = DEFAULT_LANGUAGE, parts.path
    first = path.lstrip("/").split("/", 1)[0]
    if first in TRANSLATED:
        folder, path = first, path[len(first) + 1:]
    target = path + (f"?{parts.query}" if parts.query else "")
    return target if folder == language else f"{folder}:{target}"


def describe(item: tuple) -> str:
    """An item as a translator reads it in a failure."""
    kind = item[0]
    if kind == "heading":
        return f"heading h{item[1]}"
    if kind == "list":
        return f"{'numbered' if item[1] == 'ol' else 'bulleted'} list of {item[2]} items"
    if kind == "table":
        return f"table of {item[1]} rows × {item[2]} columns"
    if kind == "box":
        return f"box '{item[1]}'"
    if kind == "link":
        return f"link to {item[1]}"
    return f"number{'s' if len(item[1]) > 1 else ''} {', '.join(item[1])}"


def _items(items: list[tuple]) -> str:
    shown = ", ".join(describe(item) for item in items[:6])
    return shown + (f" and {len(items) - 6} more" if len(items) > 6 else "")


def _numbers_apart(dutch: list[tuple], translated: list[tuple], language: str) -> str:
    """For one block of numbers against another: which numbers one has and the other lacks."""
    if len(dutch) != 1 or len(translated) != 1 or dutch[0][0] != "numbers" or translated[0][0] != "numbers":
        return ""
    lacks = Counter(dutch[0][1]) - Counter(translated[0][1])
    adds = Counter(translated[0][1]) - Counter(dutch[0][1])
    parts = [f"{language} lacks {', '.join(lacks.elements())}" if lacks else "",
             f"{language} adds {', '.join(adds.elements())}" if adds else ""]
    return f" ({'; '.join(part for part in parts if part)})"


def differences(dutch: list[Section], translated: list[Section], page: str, language: str) -> list[str]:
    """What a translator must change so that the translated page follows its Dutch page."""
    found = []
    if len(translated) != len(dutch):
        found.append(f"{page}: {len(translated)} sections (h2), the Dutch page has {len(dutch)}")
    for number, (source, target) in enumerate(zip(dutch, translated)):
        if source.items == target.items:
            continue
        where = f"{page}, section {number} '{source.heading}' (in {language}: '{target.heading}')"
        elsewhere = [n for n, other in enumerate(dutch) if n != number and other.items == target.items]
        if elsewhere:
            found.append(f"{where}: holds what the Dutch page has in section {elsewhere[0]} "
                         f"'{dutch[elsewhere[0]].heading}': put the sections in the Dutch order")
            continue
        matcher = difflib.SequenceMatcher(None, source.items, target.items, autojunk=False)
        for operation, d1, d2, t1, t2 in [op for op in matcher.get_opcodes() if op[0] != "equal"][:4]:
            after = f" after {describe(source.items[d1 - 1])}" if d1 else " at the start"
            if operation == "replace":
                found.append(f"{where}: the Dutch page has {_items(source.items[d1:d2])}{after}, "
                             f"{language} has {_items(target.items[t1:t2])}"
                             + _numbers_apart(source.items[d1:d2], target.items[t1:t2], language))
            elif operation == "delete":
                found.append(f"{where}: {language} lacks {_items(source.items[d1:d2])}{after}")
            else:
                found.append(f"{where}: {language} adds {_items(target.items[t1:t2])}{after}")
    return found


@pytest.fixture(scope="module")
def by_page(pages):
    return {(page.language, page.guide): page for page in pages}


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("guide", guide_paths())
def test_a_translation_has_the_structure_of_its_dutch_page(by_page, guide, language):
    dutch, translated = by_page[DEFAULT_LANGUAGE, guide], by_page[language, guide]
    found = differences(structure(dutch.soup, dutch.url, DEFAULT_LANGUAGE),
                        structure(translated.soup, translated.url, language), f"{language}/{guide}", language)
    assert not found, "\n".join(found)


# --- the comparison itself, on small pages --------------------------------------------------------

DUTCH = """<article><h1>Hulp</h1><p>Lees dit.</p>
<h2 id="a">Is het dringend?</h2><ul><li><b>112</b> voor de brandweer.</li><li><b>101</b> voor de politie.</li></ul>
<h2 id="b">Vragen?</h2><p>Gebruik het <a href="../feedback/">formulier</a>.</p>
<div class="admonition warning"><p class="admonition-title">Let op</p><p>Sinds 2025.</p></div></article>"""


def compare(translated_html: str, url: str = "/tr/contact/") -> list[str]:
    return differences(structure(BeautifulSoup(DUTCH, "html.parser"), "/contact/", "nl"),
                       structure(BeautifulSoup(translated_html, "html.parser"), url, "tr"), "tr/contact.md", "tr")


FAITHFUL = """<article><div class="admonition info translation-notice" role="note"><p>Çeviri 2026
<a href="../../contact/">Felemenkçe sayfa</a></p></div><h1>Yardım</h1><p>Bunu okuyun.</p>
<h2 id="x">Acil mi?</h2><ul><li>İtfaiye için <b>112</b>.</li><li>Polis için <b>101</b>.</li></ul>
<h2 id="y">Sorular?</h2><p><a href="../feedback/#form">Formu</a> kullanın.</p>
<div class="admonition warning"><p class="admonition-title">Dikkat</p><p>2025'ten beri.</p></div></article>"""


def test_a_faithful_translation_passes_and_its_notice_is_left_out():
    assert compare(FAITHFUL) == []


def test_a_section_moved_elsewhere_fails_and_says_which():
    moved = FAITHFUL.replace('<h2 id="x">', "<h2 id=\"tmp\">")
    first, rest = moved.split('<h2 id="tmp">', 1)
    urgent, questions = rest.split('<h2 id="y">', 1)
    swapped = f'{first}<h2 id="y">{questions.removesuffix("</article>")}<h2 id="x">{urgent}</article>'
    found = compare(swapped)
    assert found[0] == ("tr/contact.md, section 1 'Is het dringend?' (in tr: 'Sorular?'): holds what the Dutch "
                        "page has in section 2 'Vragen?': put the sections in the Dutch order")


def test_a_different_number_or_an_extra_line_in_a_box_fails_and_says_where():
    assert compare(FAITHFUL.replace("<b>101</b>", "<b>102</b>")) == [
        "tr/contact.md, section 1 'Is het dringend?' (in tr: 'Acil mi?'): the Dutch page has number 101 "
        "after number 112, tr has number 102 (tr lacks 101; tr adds 102)"]
    extra = FAITHFUL.replace("<p>2025'ten beri.</p>", "<p>2025'ten beri.</p><p>Bkz. <a href=\"https://x.example/\">x</a></p>")
    assert compare(extra) == ["tr/contact.md, section 2 'Vragen?' (in tr: 'Sorular?'): tr adds link to "
                              "https://x.example/ after number 2025"]


def test_links_count_per_language_folder_and_lists_per_item():
    assert compare(FAITHFUL.replace("../feedback/", "../../feedback/")) != []  # the Dutch feedback page
    assert compare(FAITHFUL.replace("<li>Polis için <b>101</b>.</li>", "")) != []
