"""What staff should check again: the guides and checker rules last checked too long ago.

``python -m hooks.content_review [--months 6] [--today YYYY-MM-DD]`` (``make content-review``) lists,
oldest first, every Dutch guide whose ``checked`` month and every checker rule
(``participation/checkers/rules/*.toml``, ``[rules.*]``) whose ``checked`` month lies more than
``--months`` whole months before this month, with its sources: for a guide the items of its sources
section (``## Bronnen {#sources}``), for a rule its ``source_title``, ``source_date``, ``source`` and
``status``. A guide without a ``checked`` month comes first. A report: it always exits with 0.
The Turkish and Bulgarian guides have no check month of their own (hooks/translations.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hooks.translations import CHECKED_KEY, SOURCE_LANGUAGE, check_month, front_matter, guides

ROOT = Path(__file__).resolve().parent.parent
_SOURCES_HEADING = re.compile(r"^##\s.*\{\s*#sources\s*\}\s*$")
_LIST_ITEM = re.compile(r"^\s*[-*+]\s+(.*)$")


@dataclass(frozen=True)
class Item:
    """A guide or a rule, with the month it was last checked (None: never) and its sources."""

    kind: str  # "page" or "rule"
    name: str
    title: str
    checked: str | None
    sources: tuple[str, ...]


def months_since(month: str, today: dt.date) -> int:
    """Whole months from ``YYYY-MM`` to today's month: 2026-11 to 2027-05-31 is 6."""
    year, number = map(int, month.split("-"))
    return (today.year - year) * 12 + today.month - number


def page_items(docs: Path) -> list[Item]:
    """Every Dutch guide with its check month and the items of its sources section."""
    items = []
    for guide in guides(docs):
        text = (docs / SOURCE_LANGUAGE / guide).read_text(encoding="utf-8")
        meta = front_matter(text)
        checked = check_month(meta[CHECKED_KEY]) if meta.get(CHECKED_KEY) is not None else None
        items.append(Item("page", f"{SOURCE_LANGUAGE}/{guide}", str(meta.get("title") or ""), checked,
                          tuple(sources_of(text))))
    return items


def sources_of(markdown: str) -> list[str]:
    """The list items of a guide's sources section, as plain text (links written out)."""
    found, inside = [], False
    for line in markdown.splitlines():
        if _SOURCES_HEADING.match(line):
            inside = True
        elif inside and re.match(r"#{1,2}\s", line):
            break
        elif inside and (item := _LIST_ITEM.match(line)):
            found.append(_plain(item.group(1)))
    return found


def _plain(markdown: str) -> str:
    """A source line without Markdown and HTML: ``*Title*: <https://x>`` -> ``Title: https://x``."""
    text = re.sub(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)", r"\1 (\2)", markdown)
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)
    text = re.sub(r"\{[^}]*\}", "", text)
    return re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", "", text).strip()


def rule_items(rules: Path) -> list[Item]:
    """Every ``[rules.*]`` of the checkers' rule files, with its source."""
    items = []
    for path in sorted(rules.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, rule in data.get("rules", {}).items():
            source = ", ".join(str(part) for part in (rule.get("source_title"), rule.get("source_date")) if part)
            if rule.get("source"):
                source = f"{source}: {rule['source']}" if source else str(rule["source"])
            checked = check_month(rule["checked"]) if rule.get("checked") is not None else None
            items.append(Item("rule", f"{path.name} [rules.{key}]", f"status: {rule.get('status', '?')}",
                              checked, (source,) if source else ()))
    return items


def due(items: list[Item], months: int, today: dt.date) -> list[Item]:
    """The items checked more than ``months`` months ago (or never), oldest first."""
    old = [item for item in items if item.checked is None or months_since(item.checked, today) > months]
    return sorted(old, key=lambda item: (item.checked or "", item.kind, item.name))


def report(items: list[Item], months: int, today: dt.date) -> str:
    """The review list as staff read it."""
    old = due(items, months, today)
    lines = [f"Content review on {today.isoformat()}: checked more than {months} months ago, oldest first.", ""]
    if not old:
        lines.append(f"Nothing: all {len(items)} pages and rules were checked in the last {months} months.")
    for item in old:
        lines.append(f"{item.checked or 'never  '}  {item.kind}  {item.name}  ({item.title})")
        lines.extend(f"             - {source}" for source in item.sources or ("(no sources listed)",))
    lines.append("")
    lines.append(f"{len(old)} of {len(items)} to check again. After checking a page, set `checked:` in its "
                 "Dutch front matter; after checking a rule, its `checked` in the .toml file.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the content review list."""
    parser = argparse.ArgumentParser(prog="python -m hooks.content_review", description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=int, default=6, help="older than this many months (default: 6)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="the day to count from, YYYY-MM-DD (default: today)")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--rules", type=Path, default=ROOT / "participation" / "checkers" / "rules")
    arguments = parser.parse_args(argv)
    items = page_items(arguments.docs) + rule_items(arguments.rules)
    print(report(items, arguments.months, arguments.today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
