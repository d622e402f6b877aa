"""The landlord checkers without Flask: read the rule files, and work out the answer for one case.

The rules (years, amounts, percentages, their sources) live in `rules/*.toml`, so staff can update a
rule without touching this code. Everything here is a pure function of the rules, the answers given
and the date of today; the texts residents read are keys, translated in `texts.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dateutil.relativedelta import relativedelta

RULES_DIR = Path(__file__).parent / "rules"

STATUSES = ("confirmed", "uncertain", "possibly-outdated", "conflict", "plan", "not-found")
RULE_FIELDS = ("source", "source_title", "source_date", "applies_from", "checked", "status")
_META_FIELDS = (*RULE_FIELDS, "source_lang", "ask", "address_not_recorded")
_PARTIAL_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2]))?")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

HOME_TYPES = ("home", "rooms")
UNFIT_ANSWERS = ("yes", "no", "unknown")
LANDLORDS = ("private", "capped_rent", "woonmaatschappij")
WORKS = ("roof_insulation", "wall_insulation", "floor_insulation", "hr_glazing", "heat_pump", "solar_boiler",
         "heat_pump_boiler", "other_renovation")
EPC_ANSWERS = ("ef", "other", "unknown")
VERDICTS = ("yes", "check", "unknown", "no")  # from best to worst; a work gets the worst that applies
# Verdicts that sound certain ("Premium possible", "No premium"): they may only rest on confirmed rules.
CERTAIN_VERDICTS = ("yes", "check", "no")
# The statement a line makes when its rule is not confirmed: the same fact, said with its doubt.
HEDGED_LINES = {
    "ca.required_since": "ca.required_since_uncertain",
    "ca.started_without_attest": "ca.started_without_attest_uncertain",
    "premies.work_energy": "premies.work_energy_uncertain",
    "premies.work_highest": "premies.work_highest_uncertain",
    "premies.work_not_for_private": "premies.work_not_for_private_uncertain",
}


class RuleFileError(ValueError):
    """A rule file that cannot be trusted: the app must not answer residents from it."""


# --- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    """Where residents are sent when the rules do not settle their case."""

    key: str
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Rule:
    """One rule or fact, its values, and where it comes from."""

    key: str
    source: str
    source_title: str
    source_date: str | dt.date
    applies_from: str | dt.date
    checked: str
    status: str
    values: Mapping[str, Any]
    ask: tuple[str, ...] = ()
    source_lang: str = "nl"

    def __getitem__(self, name: str) -> Any:
        """A value of the rule: `rule["built_before"]`."""
        return self.values[name]

    @property
    def settled(self) -> bool:
        """True when the facts confirm this rule; anything else is shown with a warning."""
        return self.status == "confirmed"

    @property
    def link(self) -> str | None:
        """The web address of the source; None when the facts name the source without one."""
        return self.source if _is_url(self.source) else None


@dataclass(frozen=True)
class RuleBook:
    """The rules of one checker, validated."""

    name: str
    checked: str
    offices: Mapping[str, Office]
    rules: Mapping[str, Rule]

    def __getitem__(self, key: str) -> Rule:
        """A rule by its key: `book["fee_genk"]`."""
        return self.rules[key]


# The rules and values each checker needs, with their types: a file without them is refused at start-up,
# instead of failing on the one case that needs the missing value.
MONEY, NUMBER, WORK_LIST = "money", "number", "works"
SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    "conformiteitsattest": {
        "gaoz_obligation": {"built_before": int},
        "gaoz_deadlines": {},
        "required_since": {"from_year": int, "built_before": int},
        "older_than_40": {"older_than_years": int, "built_before": int},
        "applicant": {},
        "fee_genk": {"per_check": MONEY, "svk_home": MONEY, "per_room": MONEY, "rooms_max": MONEY},
        "fee_cap_flanders": {"per_home": MONEY, "rooms_base": MONEY, "per_room": MONEY, "rooms_max": MONEY},
        "woonmaatschappijen": {"merged_on": dt.date},
        "validity": {"years": int},
        "presumption": {"max_age_months": int},
        "conditions": {"max_category_1": int},
        "smoke_detectors": {},
        "penalty_points": {"below_points": int, "categories_since": dt.date},
        "procedure": {"decision_days": int, "appeal_days": int},
        "sanction": {"fine_max": MONEY, "yearly_since": dt.date},
        "plan_2030": {"year": int},
    },
    "premies": {
        "private_market_energy_only": {"works": WORK_LIST},
        "woonmaatschappij_highest": {"works": WORK_LIST},
        "woonmaatschappijen": {"merged_on": dt.date},
        "amounts_2025": {"from": dt.date},
        "heat_pump_cap": {"category_percent": list, "woonmaatschappij_percent": NUMBER},
        "heat_pump_2026": {"highest_incomes_percent": NUMBER, "air_water": MONEY, "hybrid": MONEY,
                           "heat_pump_boiler": MONEY},
        "heat_pump_2026_start": {"from": dt.date},
        "reform_2026": {"income_categories": int, "from": dt.date, "old_rules_until": dt.date,
                        "epc_label_premium_ends": dt.date},
        "building_age": {"min_years": int, "permit_more_than_years": int, "permit_works": WORK_LIST},
        "invoice_age": {"max_years": int},
        "roof_minimum": {"min_excl_vat": MONEY, "works": WORK_LIST},
        "loan": {"max_amount": MONEY, "landlords": list, "apply_at": str},
        "loan_term": {"max_years": int},
        "loan_rate_2023": {"percent": NUMBER},
        "loan_rate_2024": {"percent": NUMBER},
        "loan_2026": {"max_drawdowns": int, "drawdowns_from": dt.date, "apply_until": dt.date},
        "loan_rate_2026": {"from_year": int},
        "conventionering": {"rent_max": MONEY, "rent_max_centrumstad": MONEY, "discount_min": MONEY,
                            "discount_max": MONEY, "years": int},
        "renovatiekrediet": {"from_year": int, "no_loan_years": int},
        "genk_interest_subsidy": {"percent": NUMBER, "instead_of_percent": NUMBER, "max_amount": MONEY,
                                  "max_years": int, "min_energy_share_percent": NUMBER},
        "renocoach": {"coaching_since": int, "renocoach_since": int},
        "renovation_obligation": {"deeds_from": dt.date, "target_label": str, "years": int,
                                  "fine_min": MONEY, "fine_max": MONEY},
        "renovation_obligation_later": {"first_year": int},
    },
}


def load_rulebook(name: str, folder: Path | str | None = None) -> RuleBook:
    """Read and check `<folder>/<name>.toml`; a missing source, date or value raises RuleFileError."""
    path = Path(folder or RULES_DIR) / f"{name}.toml"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle, parse_float=Decimal)  # amounts stay exact: 62.50, not 62.4999…
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RuleFileError(f"{path}: {error}") from error
    return build_rulebook(name, data, where=str(path))


def build_rulebook(name: str, data: Mapping[str, Any], where: str = "") -> RuleBook:
    """Check parsed rule data against the checker's needs and turn it into a RuleBook."""
    where = where or name
    problems: list[str] = []
    checked = data.get("checked")
    if not (isinstance(checked, str) and _MONTH.fullmatch(checked)):
        problems.append("checked: give the month the rules were checked, like \"2026-11\"")
    offices = {}
    for key, office in (data.get("offices") or {}).items():
        if not isinstance(office, Mapping) or not isinstance(office.get("name"), str):
            problems.append(f"offices.{key}: needs a name")
            continue
        url = office.get("url")
        if url is not None and not _is_url(url):
            problems.append(f"offices.{key}.url: not a web address")
        offices[key] = Office(key, office["name"], url)
    rules = {}
    for key, raw in (data.get("rules") or {}).items():
        rule, rule_problems = _build_rule(key, raw, offices)
        problems += rule_problems
        if rule is not None:
            rules[key] = rule
    for key, needed in SCHEMAS.get(name, {}).items():
        if key not in rules:
            if not any(p.startswith(f"rules.{key}") for p in problems):
                problems.append(f"rules.{key}: missing")
            continue
        for value_name, kind in needed.items():
            problems += _check_value(rules[key], value_name, kind)
    if name == "premies" and "loan" in rules:
        if not set(rules["loan"].values.get("landlords", [])) <= set(LANDLORDS):
            problems.append(f"rules.loan.landlords: use {', '.join(LANDLORDS)}")
        if rules["loan"].values.get("apply_at") not in offices:
            problems.append("rules.loan.apply_at: not one of the offices")
    if problems:
        raise RuleFileError(f"{where}:\n  " + "\n  ".join(problems))
    return RuleBook(name, checked, MappingProxyType(offices), MappingProxyType(rules))


def _is_url(value: Any) -> bool:
    """A web address, so every source can be opened and checked."""
    return isinstance(value, str) and re.fullmatch(r"https?://\S+", value) is not None


def _build_rule(key: str, raw: Any, offices: Mapping[str, Office]) -> tuple[Rule | None, list[str]]:
    """One [rules.<key>] table, or the reasons it cannot be used."""
    if not isinstance(raw, Mapping):
        return None, [f"rules.{key}: must be a table"]
    problems = [f"rules.{key}.{name}: missing" for name in RULE_FIELDS if name not in raw]
    if problems:
        return None, problems
    if raw.get("address_not_recorded", False) is True:
        # The facts cite some sources without a web address (e.g. "HLN, 2022-08"): name the source then.
        if not (isinstance(raw["source"], str) and raw["source"].strip()) or _is_url(raw["source"]):
            problems.append(f"rules.{key}.source: name the source (no web address is recorded)")
    elif not _is_url(raw["source"]):
        problems.append(f"rules.{key}.source: give the web address of the source")
    if not isinstance(raw.get("address_not_recorded", False), bool):
        problems.append(f"rules.{key}.address_not_recorded: true or false")
    if not (isinstance(raw["source_title"], str) and raw["source_title"].strip()):
        problems.append(f"rules.{key}.source_title: empty")
    source_date = raw["source_date"]
    if not (isinstance(source_date, dt.date) or source_date == "n.d."
            or (isinstance(source_date, str) and _PARTIAL_DATE.fullmatch(source_date))):
        problems.append(f"rules.{key}.source_date: a date, \"YYYY-MM\", \"YYYY\" or \"n.d.\"")
    applies_from = raw["applies_from"]
    if not (isinstance(applies_from, dt.date) or applies_from == "unknown"
            or (isinstance(applies_from, str) and _PARTIAL_DATE.fullmatch(applies_from))):
        problems.append(f"rules.{key}.applies_from: a date, \"YYYY-MM\", \"YYYY\" or \"unknown\"")
    if isinstance(applies_from, dt.datetime) or isinstance(source_date, dt.datetime):
        problems.append(f"rules.{key}: give dates without a time")
    if not (isinstance(raw["checked"], str) and _MONTH.fullmatch(raw["checked"])):
        problems.append(f"rules.{key}.checked: the month, like \"2026-11\"")
    if raw["status"] not in STATUSES:
        problems.append(f"rules.{key}.status: one of {', '.join(STATUSES)}")
    ask = raw.get("ask", [])
    if not isinstance(ask, list) or any(office not in offices for office in ask):
        problems.append(f"rules.{key}.ask: a list of offices from [offices]")
        ask = []
    if raw["status"] != "confirmed" and not ask:
        # An uncertain rule must tell residents whom to ask: that is the whole point of saying so.
        problems.append(f"rules.{key}.ask: name the offices to ask when the status is {raw['status']}")
    lang = raw.get("source_lang", "nl")
    if not (isinstance(lang, str) and re.fullmatch(r"[a-z]{2,3}", lang)):
        problems.append(f"rules.{key}.source_lang: a language code like \"nl\"")
    if problems:
        return None, problems
    values = {name: value for name, value in raw.items() if name not in _META_FIELDS}
    return Rule(key=key, source=raw["source"], source_title=raw["source_title"].strip(), source_date=source_date,
                applies_from=applies_from, checked=raw["checked"], status=raw["status"],
                values=MappingProxyType(values), ask=tuple(ask), source_lang=lang), []


def _check_value(rule: Rule, name: str, kind: Any) -> list[str]:
    """The value `name` of `rule` exists and has the type the checker computes with."""
    where = f"rules.{rule.key}.{name}"
    if name not in rule.values:
        return [f"{where}: missing"]
    value = rule.values[name]
    if kind in (MONEY, NUMBER):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value < 0:
            return [f"{where}: a number of 0 or more"]
    elif kind == WORK_LIST:
        if not isinstance(value, list) or any(work not in WORKS for work in value):
            return [f"{where}: a list of works from {', '.join(WORKS)}"]
    elif kind is list:
        if not isinstance(value, list) or not value:
            return [f"{where}: a list"]
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where}: a whole number"]
    elif kind is dt.date:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            return [f"{where}: a date like 2023-01-01"]
    elif not isinstance(value, kind):
        return [f"{where}: must be {kind.__name__}"]
    if rule.key == "heat_pump_cap" and name == "category_percent":
        if any(isinstance(p, bool) or not isinstance(p, (int, Decimal)) or not 0 <= p <= 100 for p in value):
            return [f"{where}: percentages from 0 to 100"]
    return []


# --- answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Euro:
    """An amount in euro, shown in the reader's number format."""

    amount: Decimal


@dataclass(frozen=True)
class Percent:
    """A percentage: 20 means 20 %."""

    value: Decimal


@dataclass(frozen=True)
class Line:
    """One statement of an answer: the key of its text, the values in it, and the rule it rests on."""

    key: str
    rule: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Caveat:
    """Something the facts do not settle for this case, and the offices that can."""

    key: str
    rule: str
    ask: tuple[str, ...]
    values: Mapping[str, Any] = field(default_factory=dict)
    status: str | None = None  # when the doubt is not the rule's own: "uncertain", or "check" (the reader's gap)


@dataclass(frozen=True)
class Verdict:
    """A heading or a work's verdict: its text key, the rules it rests on, and how sure it may sound.

    `certain` is true only when every rule it rests on is confirmed and no answer it needs was
    "I do not know"; otherwise the key is the "it depends / check with …" form, `doubts` holds the
    statuses to show beside it ("check" for a gap in the answers) and `ask` the offices to name.
    """

    key: str
    rules: tuple[str, ...]
    certain: bool
    doubts: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()


def judge(book: RuleBook, certain_key: str | None, hedged_key: str, rules: Iterable[str],
          gaps: Iterable[str] = ()) -> Verdict:
    """The certain form of a verdict when its rules are all confirmed, else its hedged form.

    `certain_key` None: the verdict is never certain (it is about a conflict or an unknown answer).
    `gaps`: the offices that can fill a gap in the reader's answers ("I do not know").
    """
    rules = tuple(dict.fromkeys(rules))
    gaps = tuple(gaps)
    unsettled = [book[key] for key in rules if not book[key].settled]
    if certain_key is not None and not unsettled and not gaps:
        return Verdict(certain_key, rules, True)
    doubts = [rule.status for rule in unsettled] + (["check"] if gaps else [])
    offices = [office for rule in unsettled for office in rule.ask] + list(gaps)
    if not offices:  # a verdict that is never certain still says whom to ask
        offices = [office for key in rules for office in book[key].ask]
    if not doubts:  # never certain, on confirmed rules: what settles it was not found
        doubts = ["not-found"]
    return Verdict(hedged_key, rules, False, tuple(dict.fromkeys(doubts)), tuple(dict.fromkeys(offices)))


def hedged(book: RuleBook, key: str, rule: str | None) -> str:
    """The key of a line's text: its hedged form when the rule it states is not confirmed."""
    if rule is not None and key in HEDGED_LINES and not book[rule].settled:
        return HEDGED_LINES[key]
    return key


@dataclass
class WorkAnswer:
    """What the premium rules say about one planned work."""

    work: str
    verdict: str = "yes"
    lines: list[Line] = field(default_factory=list)
    reasons: list[tuple[Line, str]] = field(default_factory=list)
    judgement: Verdict | None = None

    def add(self, line: Line, verdict: str = "yes") -> None:
        """Add a line; the verdict only gets worse (yes → check → unknown → no)."""
        self.lines.append(line)
        self.reasons.append((line, verdict))
        if VERDICTS.index(verdict) > VERDICTS.index(self.verdict):
            self.verdict = verdict

    def rests_on(self, book: RuleBook) -> tuple[str, ...]:
        """The rules the verdict rests on: every condition for a premium; for "no", one reason suffices."""
        if self.verdict == "no":
            reasons = [line.rule for line, verdict in self.reasons if verdict == "no" and line.rule]
            settled = [key for key in reasons if book[key].settled]
            return tuple(dict.fromkeys(settled[:1] or reasons))
        return tuple(dict.fromkeys(line.rule for line in self.lines if line.rule))

    def judge(self, book: RuleBook) -> Verdict:
        """The verdict as shown: "Premium possible" only on confirmed rules, else "possibly … check with"."""
        certain = self.verdict if self.verdict in CERTAIN_VERDICTS else None
        self.judgement = judge(book, certain, self.verdict, self.rests_on(book))
        return self.judgement


@dataclass
class Answer:
    """The answer for one case: the outcome, what follows from it per section, and what is unsure."""

    checker: str
    book: RuleBook
    outcome: Line
    sections: dict[str, list[Line]] = field(default_factory=dict)
    caveats: list[Caveat] = field(default_factory=list)
    works: list[WorkAnswer] = field(default_factory=list)
    heading: Verdict | None = None  # the short answer on top, with the rules it rests on

    def add(self, section: str, key: str, rule: str, **values: Any) -> None:
        """Add a line to a section, in the order the page shows them; said with its doubt if its rule is unsure."""
        self.sections.setdefault(section, []).append(Line(hedged(self.book, key, rule), rule, values))

    def caveat(self, key: str, rule: str, ask: Iterable[str] | None = None, status: str | None = None,
               **values: Any) -> None:
        """Say what is not known; the offices to ask and the kind of doubt are the rule's unless given."""
        offices = tuple(ask) if ask is not None else self.book[rule].ask
        self.caveats.append(Caveat(key, rule, offices, values, status))

    def section_keys(self, section: str) -> list[str]:
        """The keys of one section's lines (for tests and the heading)."""
        return [line.key for line in self.sections.get(section, [])]

    def lines(self) -> list[Line]:
        """Every line, outcome first."""
        found = [self.outcome]
        for lines in self.sections.values():
            found += lines
        for work in self.works:
            found += work.lines
        return found

    def keys(self) -> set[str]:
        """The keys of every line (for tests and templates)."""
        return {line.key for line in self.lines()}

    @property
    def caveat_keys(self) -> set[str]:
        """The keys of every caveat (for tests)."""
        return {caveat.key for caveat in self.caveats}

    def rules_used(self) -> list[Rule]:
        """Every rule the answer rests on, in order of first use: the page lists their sources."""
        keys = [line.rule for line in self.lines() if line.rule] + [caveat.rule for caveat in self.caveats]
        if self.heading is not None:
            keys += self.heading.rules
        return [self.book[key] for key in dict.fromkeys(keys)]

    def offices_to_ask(self) -> list[Office]:
        """Every office named by a caveat, once."""
        verdicts = [self.heading, *(work.judgement for work in self.works)]
        keys = dict.fromkeys([office for verdict in verdicts if verdict for office in verdict.ask]
                             + [office for caveat in self.caveats for office in caveat.ask])
        return [self.book.offices[key] for key in keys]


def _money(value: int | Decimal) -> Decimal:
    """An amount from a rule file (1250 or 62.50) as an exact Decimal."""
    return Decimal(value)


def _share(amount: Decimal, percent: int | Decimal) -> Decimal:
    """`percent` % of `amount`, rounded down to the cent: the rules give a ceiling, not a promise."""
    return (amount * Decimal(percent) / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


# --- "Do I need a conformiteitsattest?" -------------------------------------------------------------


@dataclass(frozen=True)
class CaCase:
    """A landlord's answers about one rental home."""

    home_type: str                      # "home" (a house or flat) or "rooms" (a building with rooms)
    declared_unfit: str                 # "yes", "no" or "unknown"
    woonmaatschappij: bool              # rented to a woonmaatschappij (formerly: a social rental agency)
    built_year: int | None = None       # None: not known
    rooms: int | None = None            # for "rooms"
    rental_start: dt.date | None = None
    ca_issued: dt.date | None = None    # an attest the landlord already has


def check_conformiteitsattest(book: RuleBook, case: CaCase, today: dt.date) -> Answer:
    """Whether this home needs a conformiteitsattest, by when, at what cost, and the next step."""
    obligation, forty = book["gaoz_obligation"], book["older_than_40"]
    built_before = obligation["built_before"]
    if case.declared_unfit == "yes":
        outcome = Line("ca.required_unfit", "gaoz_obligation")
    elif case.built_year is None:
        outcome = Line("ca.unknown_year", "gaoz_obligation", {"year": built_before})
    elif case.built_year < built_before:
        outcome = Line("ca.required_old_home", "gaoz_obligation", {"year": built_before, "built": case.built_year})
    elif today.year - case.built_year >= forty["older_than_years"]:
        # Only the year is known: a home built in 1986 may be more than 40 years old in late 2026.
        outcome = Line("ca.conflict_40_years", "older_than_40",
                       {"year": built_before, "built": case.built_year, "age": forty["older_than_years"]})
    else:
        outcome = Line("ca.not_required", "gaoz_obligation", {"year": built_before, "built": case.built_year})
    answer = Answer("conformiteitsattest", book, outcome)
    answer.heading = _ca_heading(book, case, outcome)
    required = outcome.key in ("ca.required_unfit", "ca.required_old_home")

    valid_until = _attest_status(answer, case, today)
    has_valid = valid_until is not None
    started = case.rental_start is not None and case.rental_start <= today

    # Deadline
    if required and not has_valid:
        since = book["required_since"]
        if outcome.key == "ca.required_old_home":
            answer.add("deadline", "ca.required_since", "required_since", year=since["from_year"],
                       built=since["built_before"], date=since.source_date)
        answer.caveat("ca.deadline_not_found", "gaoz_deadlines")
        if started and outcome.key == "ca.required_old_home":
            answer.add("deadline", "ca.started_without_attest", "required_since")
        elif started:  # declared unfit: the obligation comes with the declaration, not with a year
            answer.add("deadline", "ca.started_apply_now", "gaoz_obligation")
    if required and has_valid:
        answer.add("deadline", "ca.renew_before", "validity", date=valid_until)
    if not has_valid and not started:
        decision_days = book["procedure"]["decision_days"]
        if case.rental_start is None:
            answer.add("deadline", "ca.decision_time", "procedure", days=decision_days)
        else:
            apply_by = case.rental_start - dt.timedelta(days=decision_days)
            if apply_by >= today:
                answer.add("deadline", "ca.apply_by", "procedure", date=apply_by, days=decision_days,
                           start=case.rental_start)
            else:
                answer.add("deadline", "ca.apply_now", "procedure", days=decision_days, start=case.rental_start)
        answer.add("deadline", "ca.presumption", "presumption", months=book["presumption"]["max_age_months"])

    _attest_costs(answer, case)
    answer.add("validity", "ca.validity", "validity", years=book["validity"]["years"])

    if required and not has_valid:
        sanction = book["sanction"]
        answer.add("sanction", "ca.fine", "sanction", amount=Euro(_money(sanction["fine_max"])),
                   date=sanction["yearly_since"])

    # Next steps
    if outcome.key in ("ca.unknown_year", "ca.conflict_40_years"):
        answer.add("next_steps", "ca.step_ask_first", "gaoz_obligation")
    answer.add("next_steps", "ca.step_apply_voluntary" if outcome.key == "ca.not_required" else "ca.step_apply",
               "applicant")
    answer.add("next_steps", "ca.step_inspection", "conditions", small=book["conditions"]["max_category_1"])
    answer.add("next_steps", "ca.step_smoke_detectors", "smoke_detectors")
    answer.add("next_steps", "ca.step_decision", "procedure", days=book["procedure"]["decision_days"])
    answer.add("next_steps", "ca.step_appeal", "procedure", days=book["procedure"]["appeal_days"])

    # What the facts do not settle
    if outcome.key in ("ca.conflict_40_years", "ca.unknown_year"):
        answer.caveat("ca.forty_years", "older_than_40", year=built_before, age=forty["older_than_years"])
    if case.declared_unfit == "unknown":
        answer.caveat("ca.unfit_unknown", "gaoz_obligation", status="check")
    if outcome.key in ("ca.not_required", "ca.conflict_40_years"):
        answer.caveat("ca.plan_2030", "plan_2030", year=book["plan_2030"]["year"])
    points = book["penalty_points"]
    answer.caveat("ca.penalty_points", "penalty_points", points=points["below_points"],
                  date=points["categories_since"])
    return answer


def _ca_heading(book: RuleBook, case: CaCase, outcome: Line) -> Verdict:
    """The short answer: "yes" or "no" only on confirmed rules and known answers, else "it depends"."""
    gaoz = book["gaoz_obligation"].ask
    unfit_gap = gaoz if case.declared_unfit == "unknown" else ()
    if outcome.key in ("ca.required_unfit", "ca.required_old_home"):
        # A declaration, or the year alone, makes it required: not knowing about a declaration changes nothing.
        return judge(book, "ca.title_yes", "ca.title_yes_check", ["gaoz_obligation"])
    if outcome.key == "ca.unknown_year":
        return judge(book, None, "ca.title_depends_year", ["gaoz_obligation", "older_than_40"], gaps=gaoz)
    if outcome.key == "ca.conflict_40_years":
        return judge(book, None, "ca.title_conflict", ["gaoz_obligation", "older_than_40"], gaps=unfit_gap)
    if unfit_gap:
        # Built after the year, but was it ever declared unfit? Then it is required: that is the whole answer.
        return judge(book, None, "ca.title_depends_unfit", ["gaoz_obligation"], gaps=unfit_gap)
    # Both readings (built before 1981, older than 40 years) agree here, so the conflict does not decide it.
    return judge(book, "ca.title_no", "ca.title_no_check", ["gaoz_obligation"])


def _attest_status(answer: Answer, case: CaCase, today: dt.date) -> dt.date | None:
    """Say how long an attest the landlord has stays valid; the end date while it is valid, else None."""
    if case.ca_issued is None:
        return None
    if case.declared_unfit == "yes":
        answer.add("deadline", "ca.attest_lapsed_if_unfit", "validity")
        return None
    valid_until = case.ca_issued + relativedelta(years=answer.book["validity"]["years"])
    if valid_until < today:
        answer.add("deadline", "ca.attest_expired", "validity", date=valid_until)
        return None
    answer.add("deadline", "ca.attest_valid_until", "validity", date=valid_until)
    return valid_until


def _attest_costs(answer: Answer, case: CaCase) -> None:
    """Genk's fee for this home (a 2016 regulation) and the Flemish maximum."""
    book = answer.book
    fee, cap = book["fee_genk"], book["fee_cap_flanders"]
    if case.home_type == "rooms":
        rooms = case.rooms or 0
        # The facts: "+12.50 per room, max 1,250": the maximum limits the amount for the rooms.
        supplement = min(_money(fee["per_room"]) * rooms, _money(fee["rooms_max"]))
        total = _money(fee["per_check"]) + supplement
        answer.add("cost", "ca.fee_rooms", "fee_genk", base=Euro(_money(fee["per_check"])),
                   per_room=Euro(_money(fee["per_room"])), max=Euro(_money(fee["rooms_max"])),
                   rooms=rooms, total=Euro(total))
        if supplement == _money(fee["rooms_max"]):
            answer.add("cost", "ca.fee_rooms_capped", "fee_genk", max=Euro(_money(fee["rooms_max"])))
        if total > _money(fee["rooms_max"]):
            # Read the other way (the maximum for the whole fee) the amount would be lower: say so.
            answer.caveat("ca.fee_cap_reading", "fee_genk", status="uncertain", max=Euro(_money(fee["rooms_max"])), total=Euro(total))
        if case.woonmaatschappij:
            answer.caveat("ca.fee_rooms_woonmaatschappij", "fee_genk", status="uncertain", amount=Euro(_money(fee["svk_home"])))
        cap_total = min(_money(cap["rooms_base"]) + _money(cap["per_room"]) * rooms, _money(cap["rooms_max"]))
        answer.add("cost", "ca.cap_rooms", "fee_cap_flanders", base=Euro(_money(cap["rooms_base"])),
                   per_room=Euro(_money(cap["per_room"])), max=Euro(_money(cap["rooms_max"])),
                   total=Euro(cap_total))
    elif case.woonmaatschappij:
        answer.add("cost", "ca.fee_home_svk", "fee_genk", amount=Euro(_money(fee["svk_home"])))
        answer.add("cost", "ca.svk_is_woonmaatschappij", "woonmaatschappijen",
                   date=book["woonmaatschappijen"]["merged_on"])
        answer.caveat("ca.svk_fee_unknown", "fee_genk", status="uncertain")
    else:
        answer.add("cost", "ca.fee_home", "fee_genk", amount=Euro(_money(fee["per_check"])))
    if case.home_type == "home":
        answer.add("cost", "ca.cap_home", "fee_cap_flanders", amount=Euro(_money(cap["per_home"])))
    answer.add("cost", "ca.fee_each_inspection", "fee_genk")
    answer.caveat("ca.fee_outdated", "fee_genk", date=book["fee_genk"].applies_from)


# --- "Which renovation premiums can I get?" -------------------------------------------------------


@dataclass(frozen=True)
class PremieCase:
    """A landlord's answers about the home, themselves and the planned works."""

    landlord: str                         # "private", "capped_rent" or "woonmaatschappij"
    building_age: int                     # years
    works: tuple[str, ...]
    permit_date: dt.date | None = None    # the building permit, for a young building
    roof_amount: Decimal | None = None    # the invoice for the roof, without VAT
    heat_pump_amount: Decimal | None = None
    oldest_invoice: dt.date | None = None
    loan_amount: Decimal | None = None
    bought_on: dt.date | None = None      # the date of the deed, if bought
    epc: str = "unknown"                  # the EPC label at purchase: "ef" (E or F), "other", "unknown"


def check_premies(book: RuleBook, case: PremieCase, today: dt.date) -> Answer:
    """Which premiums and loans apply to these works, with rates, ceilings, estimates and conditions."""
    if case.landlord == "woonmaatschappij":
        outcome = Line("premies.woonmaatschappij", "woonmaatschappij_highest")
    elif case.landlord == "capped_rent":
        outcome = Line("premies.capped_rent", "private_market_energy_only")
    else:
        outcome = Line("premies.private", "private_market_energy_only")
    answer = Answer("premies", book, outcome)
    if case.landlord == "woonmaatschappij":
        answer.add("landlord", "premies.svk_is_woonmaatschappij", "woonmaatschappijen",
                   date=book["woonmaatschappijen"]["merged_on"])

    answer.works = [_work_answer(book, case, work, today) for work in WORKS if work in case.works]
    for work in answer.works:
        work.judge(book)
    reform = book["reform_2026"]
    if "heat_pump" in case.works:
        # The doubt these two name is the source (a manufacturer) and the category, not the rule's age.
        if case.landlord == "woonmaatschappij":
            answer.caveat("premies.heat_pump_source", "heat_pump_cap", status="uncertain")
        else:
            answer.caveat("premies.heat_pump_category_unknown", "heat_pump_cap", status="uncertain")
    if {"heat_pump", "heat_pump_boiler"} & set(case.works):
        answer.caveat("premies.heat_pump_2026_start", "heat_pump_2026_start",
                      date=book["heat_pump_2026_start"]["from"], reform=reform["from"])
    if any(work.verdict == "unknown" for work in answer.works):
        answer.caveat("premies.work_unknown", "woonmaatschappij_highest", status="uncertain")

    _invoices(answer, case, today)
    loan = _loan(answer, case)
    _obligation(answer, case)

    coach = book["renocoach"]
    answer.add("help", "premies.renocoach", "renocoach", since=coach["coaching_since"], year=coach["renocoach_since"],
               council=coach.source_date)
    if not coach.settled:
        answer.caveat("premies.renocoach_unknown", "renocoach", council=coach.source_date)
    subsidy = book["genk_interest_subsidy"]
    answer.caveat("premies.genk_interest_subsidy", "genk_interest_subsidy",
                  percent=Percent(Decimal(subsidy["percent"])), instead=Percent(Decimal(subsidy["instead_of_percent"])),
                  max=Euro(_money(subsidy["max_amount"])), years=subsidy["max_years"],
                  share=Percent(Decimal(subsidy["min_energy_share_percent"])))

    answer.caveat("premies.rule_2022", outcome.rule, date=book[outcome.rule].applies_from)
    answer.caveat("premies.amounts_2025", "amounts_2025", date=book["amounts_2025"]["from"])
    answer.caveat("premies.reform_2026", "reform_2026", date=reform["from"], categories=reform["income_categories"],
                  until=reform["old_rules_until"], epc_end=reform["epc_label_premium_ends"])
    answer.heading = _premie_heading(book, case, loan)
    return answer


def _premie_heading(book: RuleBook, case: PremieCase, loan: str) -> Verdict:
    """The short answer: which premiums, and a loan only when the loan section offers one."""
    # Which works a landlord gets premiums for is the 2022 rule; what changed for landlords in 2026 was not found.
    if case.landlord == "woonmaatschappij":
        return judge(book, "premies.title_highest", "premies.title_highest_check",
                     ["woonmaatschappij_highest", "reform_2026"])
    energy = ["private_market_energy_only", "reform_2026"]
    if case.landlord == "capped_rent" and loan in ("possible", "maybe"):
        rules = [*energy, "loan", "conventionering", *(["renovatiekrediet"] if case.bought_on else [])]
        gaps = book["renovation_obligation_later"].ask if loan == "maybe" else ()
        return judge(book, "premies.title_energy_and_loan", "premies.title_energy_and_loan_check", rules, gaps)
    return judge(book, "premies.title_energy_only", "premies.title_energy_only_check", energy)


def _rule_line(book: RuleBook, key: str, rule: str) -> Line:
    """A line stating which works a rule covers; said as "under the rule of <date>" when it may be outdated."""
    return Line(hedged(book, key, rule), rule, {"date": book[rule].applies_from})


def _work_answer(book: RuleBook, case: PremieCase, work: str, today: dt.date) -> WorkAnswer:
    """The premium for one work: whether this landlord can get it, its conditions, and what is known of the amount."""
    result = WorkAnswer(work)
    if case.landlord == "woonmaatschappij":
        if work in book["woonmaatschappij_highest"]["works"]:
            result.add(_rule_line(book, "premies.work_highest", "woonmaatschappij_highest"))
        elif work == "heat_pump":
            cap = book["heat_pump_cap"]
            result.add(Line("premies.work_heat_pump_woonmaatschappij", "heat_pump_cap",
                            {"percent": Percent(Decimal(cap["woonmaatschappij_percent"])), "date": cap.applies_from}))
        else:
            result.add(Line("premies.work_not_stated", "woonmaatschappij_highest"), "unknown")
    elif work in book["private_market_energy_only"]["works"]:
        result.add(_rule_line(book, "premies.work_energy", "private_market_energy_only"))
    else:
        result.add(_rule_line(book, "premies.work_not_for_private", "private_market_energy_only"), "no")

    age = book["building_age"]
    if case.building_age >= age["min_years"]:
        result.add(Line("premies.building_old_enough", "building_age", {"years": age["min_years"]}))
    elif work in age["permit_works"]:
        values = {"years": age["permit_more_than_years"], "min": age["min_years"]}
        if case.permit_date is None:
            result.add(Line("premies.permit_needed", "building_age", values), "check")
        elif case.permit_date < today - relativedelta(years=age["permit_more_than_years"]):  # "more than" 5 years
            result.add(Line("premies.permit_old_enough", "building_age", values))
        else:
            result.add(Line("premies.permit_too_recent", "building_age", values), "no")
    else:
        result.add(Line("premies.building_too_young", "building_age", {"years": age["min_years"]}), "no")

    roof = book["roof_minimum"]
    if work in roof["works"]:
        minimum = Euro(_money(roof["min_excl_vat"]))
        if case.roof_amount is None:
            result.add(Line("premies.roof_minimum", "roof_minimum", {"min": minimum}), "check")
        elif case.roof_amount >= _money(roof["min_excl_vat"]):
            result.add(Line("premies.roof_minimum_met", "roof_minimum", {"min": minimum,
                                                                         "amount": Euro(case.roof_amount)}))
        else:
            result.add(Line("premies.roof_below_minimum", "roof_minimum", {"min": minimum,
                                                                           "amount": Euro(case.roof_amount)}), "no")

    if work == "heat_pump":
        _heat_pump_amounts(book, case, result)
    elif work == "heat_pump_boiler" and result.verdict != "no":
        news = book["heat_pump_2026"]
        result.add(Line("premies.heat_pump_boiler_2026", "heat_pump_2026",
                        {"year": news.applies_from, "share": Percent(Decimal(news["highest_incomes_percent"])),
                         "amount": Euro(_money(news["heat_pump_boiler"]))}), result.verdict)
        result.add(Line("premies.other_incomes_not_known", "reform_2026"), result.verdict)
    elif result.verdict != "no":
        result.add(Line("premies.amount_not_known", "reform_2026"), result.verdict)
    return result


def _heat_pump_amounts(book: RuleBook, case: PremieCase, result: WorkAnswer) -> None:
    """The heat-pump premium is at most a share of the invoice: the one estimate the facts allow."""
    cap = book["heat_pump_cap"]
    if result.verdict == "no":
        return
    invoice = case.heat_pump_amount
    if case.landlord == "woonmaatschappij":
        percent = Decimal(cap["woonmaatschappij_percent"])
        if invoice is not None:  # without an invoice the work line gives the percentage
            result.add(Line("premies.heat_pump_estimate", "heat_pump_cap",
                            {"percent": Percent(percent), "invoice": Euro(invoice),
                             "amount": Euro(_share(invoice, percent))}), result.verdict)
        _heat_pump_2026(book, result)
        return
    reform = book["reform_2026"]
    # The percentages are those of July 2025, per income category of before the reform of March 2026.
    result.add(Line("premies.heat_pump_categories_2025", "heat_pump_cap",
                    {"date": cap.applies_from, "reform": reform["from"], "categories": reform["income_categories"]}),
               result.verdict)
    for category, percent in enumerate(cap["category_percent"], start=1):
        values: dict[str, Any] = {"category": category, "percent": Percent(Decimal(percent))}
        if invoice is None:
            result.add(Line("premies.heat_pump_cap", "heat_pump_cap", values), result.verdict)
        else:
            values.update(invoice=Euro(invoice), amount=Euro(_share(invoice, percent)))
            result.add(Line("premies.heat_pump_category_estimate", "heat_pump_cap", values), result.verdict)
    _heat_pump_2026(book, result)


def _heat_pump_2026(book: RuleBook, result: WorkAnswer) -> None:
    """What a sector body writes about heat pumps in 2026 (uncertain), and what is not known."""
    news = book["heat_pump_2026"]
    result.add(Line("premies.heat_pump_2026", "heat_pump_2026",
                    {"year": news.applies_from, "share": Percent(Decimal(news["highest_incomes_percent"])),
                     "air_water": Euro(_money(news["air_water"])), "hybrid": Euro(_money(news["hybrid"]))}),
               result.verdict)
    result.add(Line("premies.other_incomes_not_known", "reform_2026"), result.verdict)


def _invoices(answer: Answer, case: PremieCase, today: dt.date) -> None:
    """Invoices count for at most two years: the date by which to apply."""
    years = answer.book["invoice_age"]["max_years"]
    if case.oldest_invoice is None:
        answer.add("invoices", "premies.invoice_rule", "invoice_age", years=years)
        return
    apply_by = case.oldest_invoice + relativedelta(years=years)
    if today <= apply_by:
        answer.add("invoices", "premies.invoice_apply_by", "invoice_age", years=years, date=apply_by)
    else:
        answer.add("invoices", "premies.invoice_too_old", "invoice_age", years=years, date=apply_by)


def _bought_ef_since(book: RuleBook, case: PremieCase) -> bool | None:
    """True: bought an E/F home since the obligation; None: bought since then, label not known."""
    obligation = book["renovation_obligation"]
    if case.bought_on is None or case.bought_on < obligation["deeds_from"]:
        return False
    return {"ef": True, "other": False}.get(case.epc)


def _loan(answer: Answer, case: PremieCase) -> str:
    """Mijn VerbouwLening: for whom, how much, how long, at what rate; "possible", "maybe", "blocked" or "no"."""
    book = answer.book
    loan = book["loan"]
    ef = _bought_ef_since(book, case)
    credit = book["renovatiekrediet"]
    if ef:
        answer.add("loan", "premies.loan_blocked_ef", "renovatiekrediet", years=credit["no_loan_years"],
                   year=credit["from_year"])
        return "blocked"
    if case.landlord not in loan["landlords"]:
        answer.add("loan", "premies.loan_not_for_private", "loan")
        return "no"
    maximum = _money(loan["max_amount"])
    answer.add("loan", "premies.loan_possible", "loan", max=Euro(maximum))
    if case.landlord == "capped_rent":
        capped = book["conventionering"]
        answer.add("loan", "premies.conventionering", "conventionering", rent=Euro(_money(capped["rent_max"])),
                   rent_centrumstad=Euro(_money(capped["rent_max_centrumstad"])),
                   discount_min=Euro(_money(capped["discount_min"])), discount_max=Euro(_money(capped["discount_max"])),
                   years=capped["years"], date=capped.source_date)
    if case.loan_amount is not None:
        if case.loan_amount <= maximum:
            answer.add("loan", "premies.loan_amount_within", "loan", amount=Euro(case.loan_amount), max=Euro(maximum))
        else:
            answer.add("loan", "premies.loan_amount_over", "loan", amount=Euro(case.loan_amount), max=Euro(maximum),
                       rest=Euro(case.loan_amount - maximum))
    answer.add("loan", "premies.loan_term", "loan_term", years=book["loan_term"]["max_years"])
    rules_2026 = book["loan_2026"]
    answer.add("loan", "premies.loan_drawdowns", "loan_2026", count=rules_2026["max_drawdowns"],
               date=rules_2026["drawdowns_from"], until=rules_2026["apply_until"])
    rate = book["loan_rate_2026"]
    answer.add("loan", "premies.loan_rate_income", "loan_rate_2026", year=rate["from_year"])
    for key in ("loan_rate_2023", "loan_rate_2024"):  # the rule of 2023–2024: the legal rate minus 3 points
        rule = book[key]
        answer.add("loan", "premies.loan_rate", key, percent=Percent(Decimal(rule["percent"])), date=rule.applies_from)
    answer.caveat("premies.loan_rate_not_found", "loan_rate_2026", year=rate["from_year"])
    if ef is None:
        answer.caveat("premies.epc_unknown_loan", "renovatiekrediet", ask=book["renovation_obligation_later"].ask,
                      status="check", years=credit["no_loan_years"])
        return "maybe"
    return "possible"


def _obligation(answer: Answer, case: PremieCase) -> None:
    """Homes bought with EPC label E or F since 2023 must be renovated within a few years."""
    book = answer.book
    ef = _bought_ef_since(book, case)
    rule = book["renovation_obligation"]
    if ef is None:
        answer.caveat("premies.epc_unknown_obligation", "renovation_obligation",
                      ask=book["renovation_obligation_later"].ask, status="check", label=rule["target_label"], years=rule["years"])
        return
    if not ef:
        return
    answer.add("obligation", "premies.obligation", "renovation_obligation", label=rule["target_label"],
               years=rule["years"], date=case.bought_on + relativedelta(years=rule["years"]),
               min=Euro(_money(rule["fine_min"])), max=Euro(_money(rule["fine_max"])))
    if case.bought_on.year > book["renovation_obligation_later"]["first_year"]:
        answer.caveat("premies.stricter_label", "renovation_obligation_later", label=rule["target_label"])
