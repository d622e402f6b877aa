"""Turkish and Bulgarian pages are Turkish and Bulgarian: no Dutch sentence left behind."""

from __future__ import annotations

import re

import pytest
from lingua import Language, LanguageDetectorBuilder

from site_helpers import LANGUAGES

DETECTOR = LanguageDetectorBuilder.from_languages(
    Language.DUTCH, Language.TURKISH, Language.BULGARIAN
).build()
EXPECTED = {"nl": Language.DUTCH, "tr": Language.TURKISH, "bg": Language.BULGARIAN}
MIN_WORDS = 4


def sentences_outside_marked_dutch(page) -> list[str]:
    """The page's own sentences, leaving out what is marked as Dutch (lang="nl") on purpose."""
    article = page.soup.select_one("article")
    article = article.__copy__() if article else None
    assert article is not None, page
    for element in article.find_all(attrs={"lang": True}):
        if element["lang"] != page.language:
            element.decompose()
    for element in article.find_all(["code", "time"]):
        element.decompose()
    for element in article.find_all("a"):
        if element.get_text(strip=True).startswith(("http", "www.")):
            element.decompose()
    text = article.get_text(" ")
    chunks = re.split(r"(?<=[.!?:;])\s+|\n+|\s[–—-]\s", text)
    return [" ".join(c.split()) for c in chunks if len(re.findall(r"\w{2,}", c)) >= MIN_WORDS]


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "nl"])
def test_no_dutch_sentence_remains_on_a_translated_page(pages, language):
    dutch = []
    for page in (p for p in pages if p.language == language):
        texts = sentences_outside_marked_dutch(page)
        texts += [t for t in (page.front_matter["title"], page.front_matter["description"])
                  if len(re.findall(r"\w{2,}", t)) >= MIN_WORDS]
        for sentence in texts:
            if DETECTOR.detect_language_of(sentence) == Language.DUTCH:
                dutch.append(f"{page.url}: {sentence}")
    assert dutch == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_is_written_in_its_own_language(pages, language):
    for page in (p for p in pages if p.language == language):
        text = " ".join(sentences_outside_marked_dutch(page))
        assert DETECTOR.detect_language_of(text) == EXPECTED[language], page
