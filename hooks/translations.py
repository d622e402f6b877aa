"""Translations that say what they are and stay in step; one check month per guide.

A Turkish or Bulgarian guide is a marked translation of its Dutch guide, with no content of its
own (the language law; CONTENT.md, "Translations"). This file is an MkDocs hook and a command.

As a hook (mkdocs.yml), for every guide in every language it
- writes the check month at the end of the sources section ("Gecontroleerd: …", "Kontrol tarihi: …",
  "Проверено: …") from the Dutch page's front matter ``checked: YYYY-MM``, and puts that month in
  place of ``{{ checked }}`` in the text: a translation has no check month of its own;
- gives every Turkish and Bulgarian page ``page.meta["translation"]``, which
  overrides/partials/translation-notice.html shows at the top: a translation of the Dutch page
  (linked) for people new in Genk, the Dutch text applies, and, when the Dutch page changed after
  the version the translation records, since when this translation may be behind.

As a command, ``python -m hooks.translations``
- ``report`` (``make translations``): every guide and language as up to date, behind (since when,
  with the diff of the Dutch text since then), missing, not stamped, or an unknown version;
- ``stamp tr/contact.md …`` or ``stamp --all``: a translator who checked a translation against
  its Dutch page records that Dutch text in the translation's front matter, ``translation_of``.

A version of a Dutch page is the first 12 hex digits of the SHA-256 of its text, normalised
(``normalised``: front-matter bookkeeping, check months and trailing spaces do not count). When a
translation records an older version, the Dutch page "changed on" the committer date of the first
commit after the newest commit holding that version whose text differs from it (``git log
--follow``); a change not committed yet counts as made today. Without git history (an export
without .git, or a shallow clone) a page that is behind says so without a date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import hashlib
import logging
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError

SOURCE_LANGUAGE = "nl"
TRANSLATED = ("tr", "bg")
RECORD_KEY = "translation_of"
CHECKED_KEY = "checked"
HASH_DIGITS = 12

# Front-matter keys that keep books, not text: changing them changes no version of a page.
BOOKKEEPING_KEYS = {RECORD_KEY, CHECKED_KEY}

MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "tr": ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
           "Eylül", "Ekim", "Kasım", "Aralık"],
    "bg": ["януари", "февруари", "март", "април", "май", "юни", "юли", "август",
           "септември", "октомври", "ноември", "декември"],
}
# Bulgarian writes "г." (година, year) after a year.
_YEAR_SUFFIX = {"nl": "", "tr": "", "bg": " г."}
CHECKED_LINE = {
    "nl": "Gecontroleerd: {time}.",
    "tr": "Kontrol tarihi: {time}.",
    "bg": "Проверено: {time}",
}
PLACEHOLDER = re.compile(r"\{\{\s*checked\s*\}\}")
# The check-month lines the guides carried before ``checked`` existed, as old versions hold them.
_WRITTEN_CHECKED_LINE = re.compile(r"^\s*(Gecontroleerd|Kontrol tarihi|Проверено):\s*<time\b")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n", re.S)
_SOURCES_HEADING = re.compile(r"^##\s.*\{\s*#sources\s*\}\s*$")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

UP_TO_DATE = "up to date"
BEHIND = "behind"
MISSING = "missing"
NOT_STAMPED = "not stamped"
UNKNOWN = "unknown version"
PROBLEMS = (MISSING, NOT_STAMPED, UNKNOWN)

log = logging.getLogger("mkdocs.hooks.translations")


# --- front matter, versions -----------------------------------------------------------------------

def front_matter(text: str) -> dict:
    """The YAML front matter of a guide ({} when it has none)."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match or not match.group(1):
        return {}
    return yaml.safe_load(match.group(1)) or {}


def normalised(text: str) -> str:
    """A guide's text as far as its translations are concerned.

    Line endings, trailing spaces and blank lines at the end do not count, nor do the front-matter
    keys that keep books (``checked``, ``translation_of``) or a written check-month line.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER.match(text)
    if match:
        kept = [line for line in (match.group(1) or "").splitlines()
                if line[:1].isspace() or line.split(":", 1)[0].strip() not in BOOKKEEPING_KEYS]
        text = "---\n" + "".join(f"{line}\n" for line in kept) + "---\n" + text[match.end():]
    lines = [line.rstrip() for line in text.split("\n") if not _WRITTEN_CHECKED_LINE.match(line)]
    return "\n".join(lines).strip("\n") + "\n"


def version_of(text: str) -> str:
    """The version of a Dutch text that a translation records: 12 hex digits of its SHA-256."""
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:HASH_DIGITS]


def with_front_matter_key(text: str, key: str, value: str) -> str:
    """``text`` with ``key: "value"`` in its front matter, every other line as it was."""
    line = f'{key}: "{value}"'  # quoted: twelve hex digits may read as a number in YAML
    match = _FRONT_MATTER.match(text)
    if not match:
        return f"---\n{line}\n---\n\n{text}"
    body = match.group(1) or ""
    existing = re.compile(rf"^{re.escape(key)}:.*$", re.M)
    # A new key goes first, away from the title and description that writers change.
    body = existing.sub(line, body, count=1) if existing.search(body) else f"{line}\n{body}"
    return f"---\n{body}---\n{text[match.end():]}"


def guides(docs: Path) -> list[str]:
    """Every Dutch guide, as a path relative to the language folder (``wonen/huren.md``)."""
    folder = docs / SOURCE_LANGUAGE
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.md"))


# --- check months ---------------------------------------------------------------------------------

def check_month(value) -> str:
    """``checked`` from front matter as ``YYYY-MM``; a ValueError names what is wrong."""
    if isinstance(value, dt.date):
        value = f"{value.year:04d}-{value.month:02d}"
    value = str(value).strip()
    if not _MONTH.fullmatch(value):
        raise ValueError(f"checked: {value!r} is not a month written YYYY-MM")
    return value


def month_label(month: str, language: str) -> str:
    """``2026-11`` as the reader says it: "november 2026", "Kasım 2026", "ноември 2026 г."."""
    year, number = month.split("-")
    return f"{MONTHS[language][int(number) - 1]} {year}{_YEAR_SUFFIX[language]}"


def day_label(day: dt.date, language: str) -> str:
    """A date as the reader says it: "7 december 2026", "7 Aralık 2026", "7 декември 2026 г."."""
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}{_YEAR_SUFFIX[language]}"


def month_time(month: str, language: str) -> str:
    """The month as an HTML ``<time>`` element, readable by people and machines."""
    return f'<time datetime="{month}">{month_label(month, language)}</time>'


def with_check_month(markdown: str, month: str, language: str) -> str:
    """The guide with ``{{ checked }}`` filled in and the check-month line ending its sources."""
    time = month_time(month, language)
    markdown = PLACEHOLDER.sub(time, markdown)
    line = CHECKED_LINE[language].format(time=time)
    lines = markdown.rstrip("\n").split("\n")
    start = next((i for i, text in enumerate(lines) if _SOURCES_HEADING.match(text)), None)
    end = len(lines)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if re.match(r"#{1,2}\s", lines[i])), end)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return "\n".join([*lines[:end], "", line, "", *lines[end:]]).rstrip("\n") + "\n"


# --- the history of a Dutch page ------------------------------------------------------------------

@dataclass(frozen=True)
class Version:
    """A Dutch page as one commit left it."""

    commit: str
    date: dt.date  # the committer date
    text: str

    @property
    def version(self) -> str:
        return version_of(self.text)


@dataclass(frozen=True)
class History:
    """The committed versions of a file, oldest first, and whether they are all there is."""

    versions: tuple[Version, ...]
    available: bool  # False: no git, or not a repository
    complete: bool  # False: no git, or a shallow clone that lacks the older commits


def _git(cwd: Path | str, *args: str) -> str | None:
    """The output of a git command, or None when git or the repository is not there."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return done.stdout if done.returncode == 0 else None


@lru_cache(maxsize=None)
def _repository(folder: str) -> tuple[str, bool] | None:
    """The top folder of the repository holding ``folder`` and whether it is a shallow clone."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    shallow = (_git(folder, "rev-parse", "--is-shallow-repository") or "").strip() == "true"
    return top.strip(), shallow


def history(path: Path) -> History:
    """Every committed version of ``path`` (renames followed), oldest first."""
    repository = _repository(str(path.resolve().parent))
    if repository is None:
        return History((), available=False, complete=False)
    top, shallow = repository
    head = _git(top, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None:  # a repository without commits yet
        return History((), available=True, complete=True)
    relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
    return History(_committed_versions(top, relative, head.strip()), available=True, complete=not shallow)


@lru_cache(maxsize=None)
def _committed_versions(top: str, relative: str, head: str) -> tuple[Version, ...]:
    output = _git(top, "-c", "core.quotePath=false", "log", "--follow", "--format=%x00%H %cI",
                  "--name-only", head, "--", relative) or ""
    entries = []
    for chunk in output.split("\x00")[1:]:
        lines = [line for line in chunk.splitlines() if line.strip()]
        commit, stamp = lines[0].split(" ", 1)
        entries.append((commit, dt.datetime.fromisoformat(stamp).date(), lines[1] if len(lines) > 1 else relative))
    texts = _blobs(top, [f"{commit}:{name}" for commit, _, name in entries])
    versions = [Version(commit, date, text) for (commit, date, _), text in zip(entries, texts) if text is not None]
    return tuple(reversed(versions))


def _blobs(top: str, names: list[str]) -> list[str | None]:
    """The text of each ``commit:path`` (None where the commit deleted it), read by one git process."""
    if not names:
        return []
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=top, capture_output=True, check=True,
                          input="".join(f"{name}\n" for name in names).encode("utf-8"))
    output, position, texts = done.stdout, 0, []
    for _ in names:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":  # "missing", or not a file
            texts.append(None)
            continue
        size = int(header[2])
        texts.append(output[position:position + size].decode("utf-8"))
        position += size + 1
    return texts


# --- the state of a translation -------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """How one translated guide stands against its Dutch page."""

    guide: str
    language: str
    state: str  # UP_TO_DATE, BEHIND, MISSING, NOT_STAMPED or UNKNOWN
    current: str  # the version of the Dutch page now
    recorded: str | None = None  # the version the translation records
    since: dt.date | None = None  # BEHIND: the day the Dutch page changed after that version
    committed: bool = True  # BEHIND: False when that change is not committed yet
    translated_text: str | None = None  # BEHIND: the Dutch text the translation follows
    current_text: str = ""

    @property
    def page(self) -> str:
        return f"{self.language}/{self.guide}"

    @property
    def problem(self) -> bool:
        """True when `make test` must fail: a page missing, or its record not a version there was."""
        return self.state in PROBLEMS

    def label(self) -> str:
        """The state as the report prints it."""
        if self.state == BEHIND:
            if self.since is None:
                return f"{BEHIND} (since: not known, no git history here)"
            return f"{BEHIND} (since {self.since.isoformat()}{'' if self.committed else ', not committed yet'})"
        if self.state == NOT_STAMPED:
            return f"{NOT_STAMPED} (after checking it: python -m hooks.translations stamp {self.page})"
        if self.state == UNKNOWN:
            return f"{UNKNOWN} {self.recorded}: never a version of {SOURCE_LANGUAGE}/{self.guide}"
        return self.state

    def diff(self) -> list[str]:
        """What changed in the Dutch text since the version this translation follows."""
        if self.translated_text is None:
            return []
        dutch = f"{SOURCE_LANGUAGE}/{self.guide}"
        return list(difflib.unified_diff(
            normalised(self.translated_text).splitlines(), normalised(self.current_text).splitlines(),
            fromfile=f"{dutch} ({self.recorded}, translated)", tofile=f"{dutch} ({self.current}, now)",
            lineterm=""))


def status(docs: Path, guide: str, language: str, today: dt.date | None = None) -> Status:
    """Where the ``language`` translation of ``guide`` stands against the Dutch page."""
    dutch = docs / SOURCE_LANGUAGE / guide
    current_text = dutch.read_text(encoding="utf-8")
    current = version_of(current_text)
    page = docs / language / guide
    if not page.is_file():
        return Status(guide, language, MISSING, current, current_text=current_text)
    recorded = front_matter(page.read_text(encoding="utf-8")).get(RECORD_KEY)
    if not recorded:
        return Status(guide, language, NOT_STAMPED, current, current_text=current_text)
    recorded = str(recorded).strip().lower()
    if recorded == current:
        return Status(guide, language, UP_TO_DATE, current, recorded, current_text=current_text)
    past = history(dutch)
    held = [i for i, version in enumerate(past.versions) if version.version == recorded]
    if not held:
        state = UNKNOWN if past.complete else BEHIND
        return Status(guide, language, state, current, recorded, current_text=current_text)
    newest = held[-1]
    change = next((v for v in past.versions[newest + 1:] if v.version != recorded), None)
    return Status(guide, language, BEHIND, current, recorded,
                  since=change.date if change else (today or dt.date.today()),
                  committed=change is not None,
                  translated_text=past.versions[newest].text, current_text=current_text)


def statuses(docs: Path, today: dt.date | None = None) -> list[Status]:
    """Every guide in every translated language."""
    return [status(docs, guide, language, today) for guide in guides(docs) for language in TRANSLATED]


def report(docs: Path, today: dt.date | None = None) -> str:
    """The translations report: one line per guide and language, the Dutch diff under each behind."""
    lines = []
    found = statuses(docs, today)
    for item in found:
        lines.append(f"{item.page}: {item.label()}")
        lines.extend(f"    {line}" for line in item.diff())
    counts = {state: sum(item.state == state for item in found) for state in (UP_TO_DATE, BEHIND, *PROBLEMS)}
    lines.append("")
    lines.append(f"{len(found)} translated pages: " + ", ".join(f"{n} {state}" for state, n in counts.items() if n))
    return "\n".join(lines)


def stamp(docs: Path, page: str) -> str:
    """Record in translation ``page`` (``tr/contact.md``) the Dutch text as it is now; its version."""
    page = page.removeprefix(f"{docs.name}/")
    language, _, guide = page.partition("/")
    if language not in TRANSLATED or not guide:
        raise ValueError(f"{page}: name a translated page, e.g. tr/contact.md")
    target = docs / language / guide
    dutch = docs / SOURCE_LANGUAGE / guide
    for path in (target, dutch):
        if not path.is_file():
            raise ValueError(f"{path}: no such page")
    version = version_of(dutch.read_text(encoding="utf-8"))
    text = target.read_text(encoding="utf-8")
    target.write_text(with_front_matter_key(text, RECORD_KEY, version), encoding="utf-8")
    return version


# --- the MkDocs hook ------------------------------------------------------------------------------

def on_page_markdown(markdown: str, page, config, files) -> str:
    """The check month from the Dutch page; for a translation, what its notice needs."""
    language, guide = _language_and_guide(page)
    docs = Path(config["docs_dir"])
    dutch = docs / SOURCE_LANGUAGE / guide
    if not dutch.is_file():
        return markdown
    dutch_meta = front_matter(dutch.read_text(encoding="utf-8"))
    if dutch_meta.get(CHECKED_KEY) is not None:
        try:
            month = check_month(dutch_meta[CHECKED_KEY])
        except ValueError as error:
            raise PluginError(f"{SOURCE_LANGUAGE}/{guide}: {error}") from None
        markdown = with_check_month(markdown, month, language)
    if language in TRANSLATED:
        page.meta["translation"] = notice(docs, guide, language, dutch_meta, page.url)
    return markdown


def notice(docs: Path, guide: str, language: str, dutch_meta: dict, url: str) -> dict:
    """What overrides/partials/translation-notice.html shows on a translated page."""
    found = status(docs, guide, language)
    if found.state != UP_TO_DATE:
        log.info("%s: %s", found.page, found.label())  # `make translations` shows the Dutch changes
    state = {UP_TO_DATE: "current", BEHIND: "changed"}.get(found.state, "unchecked")
    return {
        "language": language,
        "state": state,
        "since": found.since.isoformat() if found.since else None,  # only a page behind has one
        "since_label": day_label(found.since, language) if found.since else None,
        "dutch_title": str(dutch_meta.get("title") or guide),
        # relative to the site root, for the theme's `url` filter: "tr/contact/" -> "contact/"
        "dutch_url": url.removeprefix(f"{language}/"),
    }


def _language_and_guide(page) -> tuple[str, str]:
    """``("tr", "contact.md")`` for ``docs/tr/contact.md``, as mkdocs-static-i18n sees the file."""
    file = page.file
    language = getattr(file, "locale", None)
    guide = getattr(file, "norm_src_uri", None)
    if language is None or guide is None:
        language, _, guide = file.src_uri.partition("/")
    return language, guide


# --- the command ----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """``report`` (the default) or ``stamp``; see the module's docstring."""
    parser = argparse.ArgumentParser(prog="python -m hooks.translations", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the docs folder (default: docs)")
    commands = parser.add_subparsers(dest="command")
    show = commands.add_parser("report", help="every translated page: up to date, behind or missing")
    show.add_argument("--check", action="store_true",
                      help="exit with 1 when a page is missing, not stamped or records an unknown version")
    record = commands.add_parser("stamp", help="record the Dutch text a checked translation follows")
    record.add_argument("pages", nargs="*", metavar="PAGE", help="e.g. tr/contact.md")
    record.add_argument("--all", action="store_true", help="every Turkish and Bulgarian page")
    arguments = parser.parse_args(argv)
    docs = arguments.docs
    if arguments.command == "stamp":
        pages = list(arguments.pages)
        if arguments.all:
            pages += [f"{language}/{guide}" for guide in guides(docs) for language in TRANSLATED
                      if (docs / language / guide).is_file()]
        if not pages:
            parser.error("stamp: name the pages (tr/contact.md) or give --all")
        for page in pages:
            try:
                version = stamp(docs, page)
            except ValueError as error:
                print(error, file=sys.stderr)
                return 2
            print(f"{page}: {RECORD_KEY} {version}")
        return 0
    print(report(docs))
    if getattr(arguments, "check", False):
        return 1 if any(item.problem for item in statuses(docs)) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
