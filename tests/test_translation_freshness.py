"""Translations say what they are and stay in step with their Dutch page (hooks/translations.py).

Most tests build a small docs tree in a git repository of their own, with commits on chosen days,
so that they never depend on the state of the real guides; the last ones check the real guides.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from site_helpers import DOCS, ROOT, page_url

if str(ROOT) not in sys.path:  # hooks/ holds MkDocs hooks, not an installed package
    sys.path.insert(0, str(ROOT))
from hooks import translations  # noqa: E402
from hooks.translations import BEHIND, MISSING, NOT_STAMPED, UNKNOWN, UP_TO_DATE  # noqa: E402

ORIGIN = "http://127.0.0.1:8000"

DUTCH = """---
checked: 2026-05
title: Afval
description: Wanneer u de vuilniszak buiten zet.
---

# Afval

Zet de vuilniszak buiten op maandag, vóór 7 uur. Bij de controle ({{ checked }}) was dat zo.

## Bronnen {#sources}

- Stad Genk, *Afval* (geen datum): <https://www.genk.be/afval>

"""
TURKISH = """---
title: Çöp
description: Çöp torbasını ne zaman dışarı koyarsınız.
---

# Çöp

Çöp torbasını pazartesi günü, saat 7'den önce dışarı koyun. Kontrol sırasında ({{ checked }}) durum buydu.

## Kaynaklar {#sources}

- <span lang="nl">Stad Genk, *Afval*</span> (tarih yok): <span lang="nl"><https://www.genk.be/afval></span>

"""
BULGARIAN = """---
title: Боклук
description: Кога да изнесете торбата за боклук.
---

# Боклук

Изнесете торбата за боклук в понеделник, преди 7 часа. При проверката ({{ checked }}) беше така.

## Източници {#sources}

- <span lang="nl">Stad Genk, *Afval*</span> (без дата): <span lang="nl"><https://www.genk.be/afval></span>

"""
HOME = {"nl": "---\nchecked: 2026-05\ntitle: Thuis\ndescription: De start.\n---\n\n# Thuis\n\nWelkom.\n\n"
              "## Bronnen {#sources}\n\n- Stad Genk\n",
        "tr": "---\ntitle: Ana sayfa\ndescription: Başlangıç.\n---\n\n# Ana sayfa\n\nHoş geldiniz.\n\n"
              "## Kaynaklar {#sources}\n\n- Genk Belediyesi\n",
        "bg": "---\ntitle: Начало\ndescription: Началото.\n---\n\n# Начало\n\nДобре дошли.\n\n"
              "## Източници {#sources}\n\n- Община Генк\n"}


class Repository:
    """A git repository in a temporary folder, holding a docs tree; commits on given days."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.docs = folder / "docs"
        folder.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, day: str | None = None) -> str:
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_NAME": "Vertaler", "GIT_AUTHOR_EMAIL": "vertaler@example.org",
               "GIT_COMMITTER_NAME": "Vertaler", "GIT_COMMITTER_EMAIL": "vertaler@example.org"}
        if day:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T10:00:00+01:00"
        done = subprocess.run(["git", *args], cwd=self.folder, env=env, capture_output=True, text=True, check=True)
        return done.stdout

    def write(self, page: str, text: str) -> None:
        path = self.docs / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def edit(self, page: str, old: str, new: str) -> None:
        text = (self.docs / page).read_text(encoding="utf-8")
        assert old in text
        self.write(page, text.replace(old, new))

    def commit(self, day: str, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, day=day)

    def stamp(self, *pages: str) -> None:
        assert translations.main(["--docs", str(self.docs), "stamp", *pages]) == 0


@pytest.fixture
def repository(tmp_path) -> Repository:
    """A guide in three languages, committed on 2 March 2026, both translations stamped."""
    repository = Repository(tmp_path / "portal")
    for language, text in (("nl", DUTCH), ("tr", TURKISH), ("bg", BULGARIAN)):
        repository.write(f"{language}/afval.md", text)
    repository.stamp("tr/afval.md", "bg/afval.md")
    repository.commit("2026-03-02", "Afval in three languages")
    return repository


def state(repository: Repository, language: str = "tr", **kwargs) -> translations.Status:
    return translations.status(repository.docs, "afval.md", language, **kwargs)


def test_a_stamped_translation_of_the_dutch_text_as_it_is_is_up_to_date(repository):
    assert state(repository).state == UP_TO_DATE
    assert state(repository, "bg").state == UP_TO_DATE
    assert not state(repository).problem


def test_a_translation_is_behind_from_the_first_commit_that_changed_its_dutch_page(repository, capsys):
    repository.edit("nl/afval.md", "op maandag", "op dinsdag")
    repository.commit("2026-04-10")
    repository.edit("nl/afval.md", "vóór 7 uur", "vóór 6 uur")
    repository.commit("2026-05-20")
    repository.stamp("bg/afval.md")  # the Bulgarian translator has followed; the Turkish one not yet

    found = state(repository)
    assert found.state == BEHIND and not found.problem
    assert found.since == dt.date(2026, 4, 10) and found.committed
    diff = "\n".join(found.diff())
    assert "-Zet de vuilniszak buiten op maandag, vóór 7 uur." in diff
    assert "+Zet de vuilniszak buiten op dinsdag, vóór 6 uur." in diff
    assert state(repository, "bg").state == UP_TO_DATE

    assert translations.main(["--docs", str(repository.docs), "report", "--check"]) == 0
    printed = capsys.readouterr().out
    assert "tr/afval.md: behind (since 2026-04-10)" in printed
    assert "bg/afval.md: up to date" in printed
    assert "    +Zet de vuilniszak buiten op dinsdag, vóór 6 uur." in printed


def test_a_translation_that_followed_an_older_dutch_text_again_counts_from_its_last_change(repository):
    repository.edit("nl/afval.md", "op maandag", "op dinsdag")
    repository.commit("2026-04-10")
    repository.edit("nl/afval.md", "op dinsdag", "op maandag")  # back to the text tr translates
    repository.commit("2026-04-20")
    repository.edit("nl/afval.md", "vóór 7 uur", "vóór 6 uur")
    repository.commit("2026-05-20")
    assert state(repository).since == dt.date(2026, 5, 20)


def test_a_new_check_month_or_blank_lines_leave_a_translation_up_to_date(repository):
    repository.edit("nl/afval.md", "checked: 2026-05", "checked: 2026-12")
    repository.edit("nl/afval.md", "<https://www.genk.be/afval>\n", "<https://www.genk.be/afval>   \n\n\n")
    repository.commit("2026-12-01")
    assert state(repository).state == UP_TO_DATE


def test_a_dutch_change_not_committed_yet_counts_from_today(repository):
    repository.edit("nl/afval.md", "op maandag", "op dinsdag")
    found = state(repository, today=dt.date(2026, 12, 7))
    assert found.state == BEHIND
    assert found.since == dt.date(2026, 12, 7) and not found.committed
    assert found.label() == "behind (since 2026-12-07, not committed yet)"


def test_a_recorded_version_that_the_dutch_page_never_had_fails(repository, capsys):
    text = (repository.docs / "tr" / "afval.md").read_text(encoding="utf-8")
    repository.write("tr/afval.md", translations.with_front_matter_key(text, "translation_of", "0123456789ab"))
    found = state(repository)
    assert found.state == UNKNOWN and found.problem
    assert translations.main(["--docs", str(repository.docs), "report", "--check"]) == 1
    assert "tr/afval.md: unknown version 0123456789ab: never a version of nl/afval.md" in capsys.readouterr().out


def test_an_older_version_of_a_renamed_dutch_page_is_still_known(repository):
    for language in ("nl", "tr", "bg"):
        repository.git("mv", f"docs/{language}/afval.md", f"docs/{language}/huisvuil.md")
    repository.commit("2026-04-01", "rename")
    repository.edit("nl/huisvuil.md", "op maandag", "op dinsdag")
    repository.commit("2026-04-10")
    found = translations.status(repository.docs, "huisvuil.md", "tr")
    assert found.state == BEHIND and found.since == dt.date(2026, 4, 10)


def test_a_missing_or_unstamped_translation_fails(repository):
    (repository.docs / "bg" / "afval.md").unlink()
    repository.write("tr/afval.md", TURKISH)
    assert state(repository, "bg").state == MISSING
    assert state(repository).state == NOT_STAMPED
    assert all(item.problem for item in translations.statuses(repository.docs))


def test_without_git_a_translation_behind_says_so_without_a_date(repository, tmp_path):
    repository.edit("nl/afval.md", "op maandag", "op dinsdag")
    exported = tmp_path / "export" / "docs"
    shutil.copytree(repository.docs, exported)  # no .git: a tarball of the site's sources
    found = translations.status(exported, "afval.md", "tr")
    assert found.state == BEHIND and found.since is None and not found.problem
    assert found.label() == "behind (since: not known, no git history here)"


def test_stamp_records_the_dutch_version_first_in_the_front_matter_and_changes_nothing_else(repository):
    before = (repository.docs / "tr" / "afval.md").read_text(encoding="utf-8")
    repository.edit("nl/afval.md", "op maandag", "op dinsdag")
    repository.stamp("tr/afval.md")
    after = (repository.docs / "tr" / "afval.md").read_text(encoding="utf-8")
    current = state(repository).current
    assert after.startswith(f'---\ntranslation_of: "{current}"\ntitle: Çöp\n')
    assert after.split("\n", 2)[2] == before.split("\n", 2)[2]  # one line replaced, none added
    assert state(repository).state == UP_TO_DATE
    assert translations.main(["--docs", str(repository.docs), "stamp", "--all"]) == 0
    assert state(repository, "bg").state == UP_TO_DATE
    assert translations.main(["--docs", str(repository.docs), "stamp", "nl/afval.md"]) == 2


# --- the built pages ------------------------------------------------------------------------------

FIXTURE_SITE = """\
site_name: Test
site_url: http://127.0.0.1:8000/
docs_dir: docs
theme:
  name: material
  custom_dir: {root}/overrides
  language: nl
  font: false
nav:
  - index.md
  - afval.md
plugins:
  - search
  - i18n:
      docs_structure: folder
      reconfigure_material: true
      fallback_to_default: false
      languages:
        - {{locale: nl, name: Nederlands, default: true}}
        - {{locale: tr, name: Türkçe}}
        - {{locale: bg, name: Български}}
markdown_extensions: [attr_list, admonition, toc]
hooks:
  - {root}/hooks/translations.py
"""


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    """The small guide built: Turkish behind since 10 April 2026, Bulgarian up to date."""
    repository = Repository(tmp_path_factory.mktemp("fixture-site"))
    for language in ("nl", "tr", "bg"):
        repository.write(f"{language}/index.md", HOME[language])
    for language, text in (("nl", DUTCH), ("tr", TURKISH), ("bg", BULGARIAN)):
        repository.write(f"{language}/afval.md", text)
    repository.stamp("--all")
    repository.commit("2026-03-02")
    repository.edit("nl/afval.md", "op maandag", "op dinsdag")
    repository.commit("2026-04-10")
    repository.stamp("bg/afval.md")
    repository.commit("2026-04-11")
    (repository.folder / "mkdocs.yml").write_text(FIXTURE_SITE.format(root=ROOT), encoding="utf-8")
    site = repository.folder / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                          cwd=repository.folder, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def built(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url.lstrip("/") / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_a_translation_behind_its_dutch_page_says_since_when_in_its_language(fixture_site):
    notice = built(fixture_site, "/tr/afval/").select_one("article .translation-notice")
    assert notice is not None and notice["role"] == "note" and notice["lang"] == "tr"
    assert "warning" in notice["class"]
    text = " ".join(notice.get_text(" ").split())
    assert "Bu sayfa, Felemenkçe (Hollandaca) bir sayfanın çevirisidir." in text
    assert "Geçerli olan Felemenkçe metindir." in text
    assert "Felemenkçe sayfa şu tarihte değişti: 10 Nisan 2026 . Bu çeviri güncel olmayabilir." in text
    assert notice.select_one("time")["datetime"] == "2026-04-10"
    link = notice.select_one("a[href]")
    assert urlsplit(urljoin(f"{ORIGIN}/tr/afval/", link["href"])).path == "/afval/"
    assert link["hreflang"] == "nl"
    assert link.select_one('span[lang="nl"]').get_text() == "Afval"
    assert " ".join(link.get_text(" ").split()) == "Felemenkçe sayfa: Afval"


def test_an_up_to_date_translation_says_only_that_it_is_one(fixture_site):
    notice = built(fixture_site, "/bg/afval/").select_one("article .translation-notice")
    assert notice["lang"] == "bg" and "info" in notice["class"]
    text = " ".join(notice.get_text(" ").split())
    assert text.startswith("Превод Тази страница е превод от нидерландски (холандски) език.")
    assert "Важи текстът на нидерландски." in text
    assert "променена" not in text and notice.select_one("time") is None
    link = notice.select_one("a[href]")
    assert urlsplit(urljoin(f"{ORIGIN}/bg/afval/", link["href"])).path == "/afval/"
    home = built(fixture_site, "/bg/").select_one(".translation-notice a[href]")
    assert urlsplit(urljoin(f"{ORIGIN}/bg/", home["href"])).path == "/"


def test_a_dutch_page_has_no_translation_notice(fixture_site):
    assert built(fixture_site, "/afval/").select_one(".translation-notice") is None


@pytest.mark.parametrize("url, line, month", [
    ("/afval/", "Gecontroleerd: mei 2026.", "mei 2026"),
    ("/tr/afval/", "Kontrol tarihi: Mayıs 2026.", "Mayıs 2026"),
    ("/bg/afval/", "Проверено: май 2026 г.", "май 2026 г."),
])
def test_every_language_shows_the_check_month_of_the_dutch_page(fixture_site, url, line, month):
    article = built(fixture_site, url).select_one("article")
    last = article.find(id="sources").find_next_siblings()[-1]
    assert last.name == "p" and last.get_text() == line
    assert last.select_one("time")["datetime"] == "2026-05"
    assert "{{" not in article.get_text()
    assert f"({month})" in article.get_text()  # the placeholder in the text, in the reader's words


# --- the real guides ------------------------------------------------------------------------------

def test_every_real_guide_is_translated_from_a_version_its_dutch_page_had():
    problems = [f"{item.page}: {item.label()}" for item in translations.statuses(DOCS) if item.problem]
    assert problems == []


def test_every_real_translation_says_it_is_one_and_links_its_dutch_page(pages):
    dutch_titles = {page.guide: page.front_matter["title"] for page in pages if page.language == "nl"}
    for page in pages:
        notice = page.soup.select_one("article .translation-notice")
        if page.language == "nl":
            assert notice is None, page
            continue
        assert notice is not None and notice["lang"] == page.language, page
        link = notice.select_one('a[hreflang="nl"]')
        assert urlsplit(urljoin(ORIGIN + page.url, link["href"])).path == page_url("nl", page.guide), page
        assert link.select_one('span[lang="nl"]').get_text() == dutch_titles[page.guide], page
