"""Every branch of both checkers: no heading or verdict sounds more certain than the rules it rests on.

The answers are generated from the forms themselves: every choice of every radio button (with "I do
not know" and, where a question is optional, no answer), every work on its own and all of them
together, and for the typed answers the values on both sides of each boundary the rules draw (the
year 1981, forty years, 60 days, ten years, 15 years, 5 years, €1,000, two years, €60,000 …). A typed
answer the engine only reads for some works (an invoice amount) or some buildings (the permit) is
varied only where it is read.

Rank: a confirmed rule ranks above every other status (possibly outdated, uncertain, conflict, plan,
not found). A certain heading or verdict ("Yes, you need …", "No, your home does not need one",
"Premium possible", "… and a loan", "No premium") may only rest on confirmed rules and on answers the
reader knew; anything else must read "it depends / check with <office>" and show the statuses.

The texts are read in English, the language the messages are written in, so these tests do not
depend on the catalogues; the pages in nl, tr and bg are checked in test_checkers.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
import tomllib
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, RadioField

from participation.checkers import engine, texts
from participation.checkers.engine import build_rulebook, load_rulebook
from participation.checkers.forms import AmountField, ConformiteitsattestForm, PremiesForm, today
from participation.forms import MultiCheckboxField

TODAY = today()  # the forms check dates against today, so the walk uses today too
CA = load_rulebook("conformiteitsattest")
PREMIES = load_rulebook("premies")

CERTAIN_TEXT = re.compile(r"^(Yes|No)\b|^You can\b|^Premium possible$|^No premium$|^Possible, if")
HEDGED_TEXT = re.compile(r"[Cc]heck with |\bask ")


def rank(status: str) -> int:
    """Confirmed outranks every other status; the others are equally unsure."""
    return 1 if status == "confirmed" else 0


@pytest.fixture(scope="module", autouse=True)
def context():
    """A request context with Babel and no catalogue: the texts in English, numbers formatted."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False, BABEL_DEFAULT_LOCALE="en_GB")
    Babel(app)
    with app.test_request_context("/"):
        yield


def plain(markup) -> str:
    """Rendered text without its tags (the Dutch names are marked with <span lang="nl">)."""
    return re.sub(r"<[^>]+>", "", str(markup))


# --- the answers the forms allow ----------------------------------------------------------------------


def typed_values(name: str, book: engine.RuleBook, today: dt.date, answers: dict) -> list:
    """The typed answers that matter for `name`: nothing, and both sides of each boundary of the rules."""
    if name == "rooms":
        if answers["home_type"] != "rooms":
            return [None]
        fee = book["fee_genk"]
        at_max = int(fee["rooms_max"] / fee["per_room"])                      # the rooms reach their maximum
        over_max = int((fee["rooms_max"] - fee["per_check"]) / fee["per_room"]) + 1  # the total passes it
        return [1, over_max, at_max]
    if name == "built_year":
        before = book["gaoz_obligation"]["built_before"]
        forty = today.year - book["older_than_40"]["older_than_years"]
        return [None, before - 1, before, forty, forty + 1]
    if name == "rental_start":
        days = book["procedure"]["decision_days"]
        return [None, today - dt.timedelta(days=30), today + dt.timedelta(days=days - 1),
                today + dt.timedelta(days=days)]
    if name == "ca_issued":
        years = book["validity"]["years"]
        return [None, today - relativedelta(years=2), today - relativedelta(years=years),
                today - relativedelta(years=years) - dt.timedelta(days=1)]
    if name == "building_age":
        return [book["building_age"]["min_years"] - 1, book["building_age"]["min_years"]]
    if name == "permit_date":
        if answers["building_age"] >= book["building_age"]["min_years"]:
            return [None]  # only read for a young building
        years = book["building_age"]["permit_more_than_years"]
        return [None, today - relativedelta(years=years), today - relativedelta(years=years) - dt.timedelta(days=1)]
    if name == "bought_on":
        deeds = book["renovation_obligation"]["deeds_from"]
        return [None, deeds - dt.timedelta(days=1), deeds, deeds + relativedelta(years=1, months=5)]
    if name == "roof_amount":
        if "roof_insulation" not in answers["works"]:
            return [None]
        minimum = Decimal(book["roof_minimum"]["min_excl_vat"])
        return [None, minimum - Decimal("0.01"), minimum]
    if name == "heat_pump_amount":
        return [None, Decimal("10000")] if "heat_pump" in answers["works"] else [None]
    if name == "oldest_invoice":
        years = book["invoice_age"]["max_years"]
        return [None, today - relativedelta(years=years), today - relativedelta(years=years) - dt.timedelta(days=1)]
    if name == "loan_amount":
        maximum = Decimal(book["loan"]["max_amount"])
        return [None, maximum, maximum + Decimal("0.01")]
    raise AssertionError(f"the question {name!r} is new: say which of its answers matter")


def choice_values(field) -> list:
    """Every choice of a radio button; no answer too when the question may be left open."""
    values = [value for value, *_ in field.iter_choices()]
    required = any(getattr(validator, "field_flags", {}).get("required") for validator in field.validators)
    return values if required else ["", *values]


def answer_sets(form_class, book: engine.RuleBook, today: dt.date):
    """Every combination of answers of the form, as the form's fields would hold them after validation."""
    form = form_class(formdata=None)
    names = [field.name for field in form]
    assert names, form_class

    def walk(position: int, answers: dict):
        if position == len(names):
            yield dict(answers)
            return
        field = form[names[position]]
        if isinstance(field, MultiCheckboxField):
            works = [value for value, *_ in field.iter_choices()]
            options = [[work] for work in works] + [works]  # each work alone, and all of them
        elif isinstance(field, RadioField):
            options = choice_values(field)
        elif isinstance(field, (IntegerField, DateField, AmountField)):
            options = typed_values(field.name, book, today, answers)
        else:
            raise AssertionError(f"{field.name}: a kind of question this walk does not know")
        for value in options:
            answers[field.name] = value
            yield from walk(position + 1, answers)

    yield from walk(0, {})


def as_formdata(answers: dict) -> MultiDict:
    """The answers as the browser sends them."""
    data = MultiDict()
    for name, value in answers.items():
        if isinstance(value, list):
            for item in value:
                data.add(name, item)
        elif value is None:
            data.add(name, "")
        elif isinstance(value, dt.date):
            data.add(name, value.isoformat())
        else:
            data.add(name, str(value))
    return data


def cases(form_class, book: engine.RuleBook, today: dt.date):
    """(answers, the engine's case) for every combination, each typed value proven acceptable to the form."""
    accepted: dict[tuple, bool] = {}
    form = form_class(formdata=None)
    for answers in answer_sets(form_class, book, today):
        for name, value in answers.items():
            key = (name, repr(value), answers.get("home_type"))
            if key not in accepted:  # every value the walk uses passes the form's own checks
                probe = form_class(formdata=as_formdata(answers))
                accepted[key] = probe.validate() or not probe[name].errors
                assert accepted[key], (name, value, probe[name].errors)
        for name, value in answers.items():
            form[name].data = value
        yield answers, form.case()


def ca_cases(book=CA, today=TODAY):
    return list(cases(ConformiteitsattestForm, book, today))


def premie_cases(book=PREMIES, today=TODAY):
    return list(cases(PremiesForm, book, today))


# --- the checks on one answer ------------------------------------------------------------------------


def check_verdict(answer: engine.Answer, verdict: engine.Verdict, text: str, used: set[str], knew_all: bool,
                  where) -> None:
    """A certain verdict rests on confirmed rules and known answers; a hedged one names an office and a status."""
    certain, hedged = CERTAIN_TEXT.search(text), HEDGED_TEXT.search(text)
    assert bool(certain) != bool(hedged), (where, text)
    assert verdict.certain == bool(certain), (where, text)
    statuses = {answer.book[key].status for key in used}
    if certain:
        assert min(rank(status) for status in statuses) == 1, (where, text, statuses)
        assert knew_all, (where, text, "a certain verdict on an answer the reader did not know")
    else:
        assert verdict.ask and verdict.doubts, (where, text)
        names = [answer.book.offices[office].name for office in verdict.ask]
        assert names[0] in text, (where, text)
        assert all(label for label in texts.doubt_labels(verdict)), where


RENDERED: set = set()  # (key, values) already rendered once: the walk repeats the same sentences often


def check_lines(answer: engine.Answer, where) -> None:
    """A line said as certain in its plain form is only used when its rule is confirmed; every text renders."""
    for line in answer.lines():
        if line.key in engine.HEDGED_LINES:
            assert answer.book[line.rule].settled, (where, line.key)
    for item in [*answer.lines(), *answer.caveats]:
        assert getattr(item, "ask", True), (where, item.key)  # a caveat names the offices that can settle it
        seen = (item.key, tuple(sorted(item.values.items())))
        if seen not in RENDERED:
            RENDERED.add(seen)
            assert "%(" not in plain(texts.say(item)), (where, item.key)


def check_ca(answer: engine.Answer, case: engine.CaCase, where) -> None:
    """The heading of the conformiteitsattest checker, and the lines under it."""
    heading = answer.heading
    text = plain(texts.outcome_title(answer))
    used = {*heading.rules, answer.outcome.rule}
    # "Yes" after a declaration or for an old home does not need the answer about a declaration.
    knew_all = case.built_year is not None and (case.declared_unfit != "unknown" or text.startswith("Yes"))
    if case.declared_unfit == "yes":
        knew_all = True
    check_verdict(answer, heading, text, used, knew_all, where)
    if text.startswith("No"):
        assert "ca.fine" not in answer.keys() and case.declared_unfit == "no", where
    check_lines(answer, where)


LABELS: dict = {}


def title_of(answer: engine.Answer) -> str:
    """The heading as read (once per heading and office, as for the verdicts)."""
    key = (answer.heading.key, answer.heading.ask[:1])
    if key not in LABELS:
        LABELS[key] = plain(texts.outcome_title(answer))
    return LABELS[key]


def label_of(answer: engine.Answer, work: engine.WorkAnswer) -> str:
    """A work's verdict as read; the same verdict with the same office reads the same, so it is read once."""
    verdict = work.judgement
    key = (work.verdict, verdict.certain, verdict.ask[:1])
    if key not in LABELS:
        LABELS[key] = plain(texts.verdict_label(answer, work))
    return LABELS[key]


def check_premies(answer: engine.Answer, case: engine.PremieCase, where) -> None:
    """The heading and every work's verdict of the premium checker, and the lines under them."""
    heading = answer.heading
    text = title_of(answer)
    loan = answer.section_keys("loan")
    used = {*heading.rules, answer.outcome.rule}
    promises_loan = "loan" in text
    if promises_loan:
        # The heading never promises what the loan section refuses, and rests on what that section rests on.
        assert loan[0] == "premies.loan_possible", (where, text, loan)
        used |= {line.rule for line in answer.sections["loan"]}
    assert not ({"premies.loan_blocked_ef", "premies.loan_not_for_private"} & set(loan) and promises_loan), where
    knew_all = not (promises_loan and case.epc == "unknown" and case.bought_on is not None
                    and case.bought_on >= answer.book["renovation_obligation"]["deeds_from"])
    check_verdict(answer, heading, text, used, knew_all, where)

    for work in answer.works:
        verdict = work.judgement
        label = label_of(answer, work)
        if work.verdict == "no":
            # "No premium" needs one confirmed reason; it does not rest on the rules of the other lines.
            reasons = {line.rule for line, given in work.reasons if given == "no"}
            used_work = {key for key in reasons if answer.book[key].settled} or reasons
        else:
            used_work = {line.rule for line in work.lines if line.rule}
        check_verdict(answer, verdict, label, used_work, True, (where, work.work))
    check_lines(answer, where)


# --- the walks ---------------------------------------------------------------------------------------


def test_every_conformiteitsattest_answer_is_no_surer_than_its_rules():
    seen = set()
    walked = ca_cases()
    for answers, case in walked:
        answer = engine.check_conformiteitsattest(CA, case, TODAY)
        check_ca(answer, case, answers)
        seen.add(answer.heading.key)
    assert len(walked) > 1000
    # Every heading the engine can give was reached.
    assert seen == {"ca.title_yes", "ca.title_no", "ca.title_depends_year", "ca.title_conflict",
                    "ca.title_depends_unfit"}


def test_every_premium_answer_is_no_surer_than_its_rules():
    headings, verdicts = set(), set()
    walked = premie_cases()
    for answers, case in walked:
        answer = engine.check_premies(PREMIES, case, TODAY)
        check_premies(answer, case, answers)
        headings.add(answer.heading.key)
        verdicts |= {(work.verdict, work.judgement.certain) for work in answer.works}
    assert len(walked) > 10000
    # With today's rules (the 2022 rule for landlords may be outdated, the 2026 rules were not found),
    # no heading and no positive verdict may sound certain; "No premium" can, for a confirmed reason.
    assert headings == {"premies.title_energy_only_check", "premies.title_energy_and_loan_check",
                        "premies.title_highest_check"}
    assert verdicts == {("yes", False), ("check", False), ("unknown", False), ("no", False), ("no", True)}


def confirmed(book_name: str) -> engine.RuleBook:
    """The rule file as if every rule were confirmed: the certain texts must come back."""
    with (engine.RULES_DIR / f"{book_name}.toml").open("rb") as handle:
        data = tomllib.load(handle, parse_float=Decimal)
    data = copy.deepcopy(data)
    for rule in data["rules"].values():
        rule["status"] = "confirmed"
    return build_rulebook(book_name, data)


def test_once_every_rule_is_confirmed_the_walk_finds_the_certain_answers_too():
    book = confirmed("conformiteitsattest")
    seen = set()
    for answers, case in ca_cases(book):
        answer = engine.check_conformiteitsattest(book, case, TODAY)
        check_ca(answer, case, answers)
        seen.add(answer.heading.key)
        assert not set(engine.HEDGED_LINES.values()) & answer.keys(), answers
    # Unknown answers and the conflict still say "it depends", whatever the statuses.
    assert seen == {"ca.title_yes", "ca.title_no", "ca.title_depends_year", "ca.title_conflict",
                    "ca.title_depends_unfit"}

    book = confirmed("premies")
    headings, verdicts = set(), set()
    for answers, case in itertools.islice(premie_cases(book), 0, None, 7):
        answer = engine.check_premies(book, case, TODAY)
        check_premies(answer, case, answers)
        headings.add(answer.heading.key)
        verdicts |= {(work.verdict, work.judgement.certain) for work in answer.works}
    assert {"premies.title_energy_only", "premies.title_energy_and_loan", "premies.title_highest",
            "premies.title_energy_and_loan_check"} <= headings  # the last: a bought home, label not known
    assert {("yes", True), ("check", True), ("no", True)} <= verdicts


# --- what a reader sees in the three cases of the review ------------------------------------------------


def ca_answer(**answers) -> engine.Answer:
    case = {"home_type": "home", "declared_unfit": "no", "woonmaatschappij": False, "built_year": 1975, **answers}
    return engine.check_conformiteitsattest(CA, engine.CaCase(**case), TODAY)


def premie_answer(**answers) -> engine.Answer:
    case = {"landlord": "private", "building_age": 40, "works": ("wall_insulation",), **answers}
    return engine.check_premies(PREMIES, engine.PremieCase(**case), TODAY)


def test_not_knowing_about_a_declaration_for_a_home_of_1990_reads_it_depends():
    answer = ca_answer(built_year=1990, declared_unfit="unknown")
    title = plain(texts.outcome_title(answer))
    assert title == ("It depends on whether your home was ever declared unfit or uninhabitable. "
                     "Check with woonloket GAOZ.")
    assert "does not need" not in title
    assert [str(label) for label in texts.doubt_labels(answer.heading)] == ["Check this"]
    # Knowing it was not declared, the same home gets the plain answer.
    assert plain(texts.outcome_title(ca_answer(built_year=1990))) == "No, your home does not need one."


def test_an_old_home_with_a_running_lease_is_not_told_as_certain_since_when_or_that_it_may_not_be_rented():
    answer = ca_answer(built_year=1975, rental_start=TODAY - dt.timedelta(days=100))
    deadline = [plain(texts.say(line)) for line in answer.sections["deadline"]]
    joined = " ".join(deadline)
    assert "The obligation applies since 2023" not in joined
    assert "you may no longer rent out this home" not in joined
    assert ("A news report of June 2022 said that from 2023 a certificate would be required for rental homes "
            "built before 1981.") in joined
    assert "If the obligation already applies to your home, you may not rent it out without a certificate." in joined
    # Each of those lines carries the status of its rule, as the page shows it.
    for line in answer.sections["deadline"]:
        if line.rule == "required_since":
            assert str(texts.STATUS_LABELS[answer.book[line.rule].status]) == "not certain"
    assert "woonloket GAOZ" in {office.name for office in answer.offices_to_ask()}


def test_a_capped_rent_landlord_who_bought_an_e_or_f_home_in_2024_is_not_promised_a_loan():
    answer = premie_answer(landlord="capped_rent", bought_on=dt.date(2024, 3, 1), epc="ef")
    title = plain(texts.outcome_title(answer))
    assert "loan" not in title
    assert title == "Probably only the premiums for saving energy. Check with Mijn VerbouwPremie."
    assert answer.section_keys("loan") == ["premies.loan_blocked_ef"]
    assert "you cannot get Mijn VerbouwLening for 10 years" in plain(texts.say(answer.sections["loan"][0]))
    # Without the purchase the loan is possible, and the heading says "possibly".
    title = plain(texts.outcome_title(premie_answer(landlord="capped_rent")))
    assert title == ("Probably the premiums for saving energy, and possibly a loan. Check with Mijn VerbouwPremie.")


@pytest.mark.parametrize("work", ["wall_insulation", "heat_pump", "heat_pump_boiler"])
def test_a_work_on_an_outdated_or_not_found_rule_reads_possibly_available(work):
    answer = premie_answer(works=(work,))
    result = answer.works[0]
    label = plain(texts.verdict_label(answer, result))
    assert label == "Premium possibly available: check with Mijn VerbouwPremie"
    assert "may be outdated" in [str(label) for label in texts.doubt_labels(result.judgement)]
    assert "not found" in [str(label) for label in texts.doubt_labels(result.judgement)]


def test_the_heat_pump_percentages_say_they_are_of_july_2025_for_the_old_income_categories():
    answer = premie_answer(works=("heat_pump",), heat_pump_amount=Decimal("10000"))
    said = [plain(texts.say(line)) for line in answer.works[0].lines]
    assert ("From 1 July 2025 the heat-pump premium was at most a share of the invoice, per income category. "
            "These are the income categories from before 1 March 2026. Since then there are 4 new income "
            "categories, and we do not know whether these percentages apply to them.") in said
    assert any("The highest 30% of incomes get €1,500.00 for an air-water heat pump and €800.00 for a hybrid"
               in text for text in said), said
    assert answer.book["heat_pump_cap"].status == "possibly-outdated"
    assert answer.book["heat_pump_2026"].status == "uncertain"
    start = next(caveat for caveat in answer.caveats if caveat.key == "premies.heat_pump_2026_start")
    assert answer.book[start.rule].status == "conflict"
    assert "1 January 2026" in plain(texts.say(start)) and "1 March 2026" in plain(texts.say(start))


def test_the_loan_of_2026_and_the_rates_of_2023_and_2024_are_told_apart():
    answer = premie_answer(landlord="woonmaatschappij")
    said = [plain(texts.say(line)) for line in answer.sections["loan"]]
    assert "From 1 January 2026 you can take the loan in at most 3 parts. You can apply until 31 July 2032." in said
    assert "For applications from 2026 the interest depends on your income." in said
    assert "For applications from 1 February 2023 the interest was 2.25%." in said
    rate = next(caveat for caveat in answer.caveats if caveat.key == "premies.loan_rate_not_found")
    assert answer.book[rate.rule].status == "not-found" and rate.ask == ("energiehuis_limburg",)


def test_the_renocoach_of_2019_is_told_as_a_decision_that_may_be_outdated():
    answer = premie_answer()
    coach = answer.sections["help"][0]
    assert answer.book[coach.rule].status == "possibly-outdated"
    assert plain(texts.say(coach)).startswith("In 2019 the city council decided that from 2020 a Renocoach")
    assert "premies.renocoach_unknown" in answer.caveat_keys


def test_the_capped_rent_conditions_come_with_their_age():
    answer = premie_answer(landlord="capped_rent")
    capped = next(line for line in answer.sections["loan"] if line.key == "premies.conventionering")
    assert answer.book[capped.rule].status == "possibly-outdated"
    assert "This comes from a newspaper article of August 2022." in plain(texts.say(capped))
    assert answer.book[capped.rule].link is None  # the facts give no web address for it
