"""The content review list: what staff should check again (hooks/content_review.py)."""

from __future__ import annotations

import sys

from site_helpers import DOCS, ROOT

if str(ROOT) not in sys.path:  # hooks/ holds MkDocs hooks, not an installed package
    sys.path.insert(0, str(ROOT))
from hooks import content_review  # noqa: E402

RULES = ROOT / "participation" / "checkers" / "rules"


def guide(checked: str, title: str, source: str) -> str:
    return (f"---\nchecked: {checked}\ntitle: {title}\ndescription: Een gids.\n---\n\n# {title}\n\nTekst.\n\n"
            f"## Bronnen {{#sources}}\n\n- {source}\n\n")


def test_the_list_shows_what_was_checked_over_six_months_ago_oldest_first_and_omits_the_rest(tmp_path, capsys):
    docs, rules = tmp_path / "docs", tmp_path / "rules"
    (docs / "nl" / "wonen").mkdir(parents=True)
    rules.mkdir()
    (docs / "nl" / "wonen" / "oud.md").write_text(
        guide("2026-05", "Oude gids", "Stad Genk, *Huren* (geen datum): <https://www.genk.be/huren>"), encoding="utf-8")
    (docs / "nl" / "vers.md").write_text(
        guide("2026-06", "Verse gids", "Stad Genk, *Vers* (geen datum): <https://www.genk.be/vers>"), encoding="utf-8")
    (rules / "premies.toml").write_text("""checked = "2026-11"

[rules.old_cap]
amount = 1000
source = "https://www.vlaanderen.be/premie"
source_title = "Vlaanderen, Mijn VerbouwPremie"
source_date = "2025-07"
applies_from = 2025-07-01
checked = "2025-12"
status = "uncertain"
ask = []

[rules.fresh_cap]
amount = 2000
source = "https://www.vlaanderen.be/nieuw"
source_title = "Vlaanderen, Nieuw"
source_date = "n.d."
applies_from = "unknown"
checked = "2026-11"
status = "confirmed"
""", encoding="utf-8")

    assert content_review.main(["--docs", str(docs), "--rules", str(rules), "--today", "2026-12-07"]) == 0
    printed = capsys.readouterr().out
    assert "checked more than 6 months ago" in printed
    rule = printed.index("2025-12  rule  premies.toml [rules.old_cap]  (status: uncertain)")
    page = printed.index("2026-05  page  nl/wonen/oud.md  (Oude gids)")
    assert rule < page  # oldest first
    assert "- Vlaanderen, Mijn VerbouwPremie, 2025-07: https://www.vlaanderen.be/premie" in printed
    assert "- Stad Genk, Huren (geen datum): https://www.genk.be/huren" in printed
    assert "vers.md" not in printed and "fresh_cap" not in printed  # June 2026 is 6 months back: not over
    assert "2 of 4 to check again" in printed


def test_the_list_reads_every_real_guide_and_rule():
    items = content_review.page_items(DOCS) + content_review.rule_items(RULES)
    assert {item.kind for item in items} == {"page", "rule"}
    assert all(item.checked and item.sources for item in items), [i.name for i in items if not i.checked]
