"""What the general guides say, as a reader sees it: safety first, and "we" who do not know."""

from __future__ import annotations

import re

import pytest

from site_helpers import LANGUAGES, guide_paths

# "This page does not know …" in the three languages: people trust "we", not a page.
PAGE_DOES_NOT_KNOW = [
    re.compile(r"\b[Dd]eze pagina (?:weet|kent)\b"),
    re.compile(r"\b(?:weet|kent) deze pagina\b"),
    re.compile(r"\b[Bb]u sayfa\w*\b[^.!?]*\bbil(?:mi|me)"),
    re.compile(r"[Тт]ази страница[^.!?]*\bне знае"),
]


def article_of(page):
    """The page's own text, without the theme around it."""
    article = page.soup.select_one("article")
    assert article is not None, page
    return article


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_page_gives_the_emergency_numbers_before_anything_else(pages, language):
    page = next(p for p in pages if p.language == language and p.guide == "contact.md")
    article = article_of(page)
    order = list(article.descendants)
    first_h2 = article.find("h2")
    emergency = [order.index(strong) for strong in article.find_all("strong")
                 if strong.get_text(strip=True) in {"112", "101"}]
    feedback = [order.index(a) for a in article.find_all("a", href=True)
                if a["href"].rstrip("/").endswith("feedback")]
    assert len(emergency) == 2 and feedback, page
    # The first section is the emergency one, and both numbers come before the feedback form.
    assert order.index(first_h2) < min(emergency) < max(emergency) < min(feedback), page
    second_h2 = first_h2.find_next("h2")
    assert max(emergency) < order.index(second_h2) <= min(feedback), page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("guide", guide_paths())
def test_no_page_says_that_the_page_does_not_know(pages, language, guide):
    page = next(p for p in pages if p.language == language and p.guide == guide)
    text = " ".join(article_of(page).get_text(" ").split())
    found = [m.group(0) for pattern in PAGE_DOES_NOT_KNOW for m in pattern.finditer(text)]
    assert found == [], f"{page}: say 'we do not know' instead: {found}"
