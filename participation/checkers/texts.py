"""What residents read in the checkers: the engine's keys and values, as translated sentences.

Every figure in a sentence is a placeholder filled from the rule files, so a rule changes in one
place. Official Dutch names and terms are placeholders too (`%(woonmaatschappij)s`): they are shown
marked `lang="nl"`, and each translation puts them where its grammar wants them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from babel.dates import format_skeleton
from babel.numbers import format_currency, format_percent
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from participation.checkers.engine import Answer, Caveat, Euro, Line, Percent, Rule, Verdict, WorkAnswer

# Dutch names and terms residents meet on letters; never translated.
TERMS = {
    "ca": "conformiteitsattest",
    "gaoz": "GAOZ",
    "woonloket": "woonloket",
    "wonen_vlaanderen": "Wonen-Vlaanderen",
    "woonmaatschappij": "woonmaatschappij",
    "woonmaatschappijen": "woonmaatschappijen",
    "premie": "Mijn VerbouwPremie",
    "lening": "Mijn VerbouwLening",
    "renovatiekrediet": "renovatiekrediet",
    "energiehuis": "Energiehuis Limburg",
    "gas": "GAS",
    "svk": "SVK",
    "conventionering": "conventionering",
    "centrumsteden": "centrumsteden",
}

# The short answer on top. A certain heading ("Yes", "No", "You can get …") is shown only when every rule
# it rests on is confirmed (engine.judge); otherwise its "… Check with <office>" form, with the statuses.
HEADINGS = {
    "ca.title_yes": _l("Yes, you need a conformity certificate."),
    "ca.title_yes_check": _l("Probably yes. Check with %(office)s."),
    "ca.title_no": _l("No, your home does not need one."),
    "ca.title_no_check": _l("Probably not. Check with %(office)s."),
    "ca.title_depends_year": _l("It depends on the year your home was built. Check with %(office)s."),
    "ca.title_conflict": _l("Maybe: the sources do not agree. Check with %(office)s."),
    "ca.title_depends_unfit": _l("It depends on whether your home was ever declared unfit or uninhabitable. "
                                 "Check with %(office)s."),
    "premies.title_energy_only": _l("You can only get the premiums for saving energy."),
    "premies.title_energy_only_check": _l("Probably only the premiums for saving energy. Check with %(office)s."),
    "premies.title_energy_and_loan": _l("You can get the premiums for saving energy, and a loan."),
    "premies.title_energy_and_loan_check": _l("Probably the premiums for saving energy, and possibly a loan. "
                                              "Check with %(office)s."),
    "premies.title_highest": _l("You can get the highest premium for renovation and insulation."),
    "premies.title_highest_check": _l("Possibly the highest premium for renovation and insulation. "
                                      "Check with %(office)s."),
}

MESSAGES = {
    # --- conformiteitsattest: the outcome
    "ca.required_unfit": _l("Your home was declared unfit or uninhabitable. %(gaoz)s says that the owner must then "
                            "apply for a conformity certificate."),
    "ca.required_old_home": _l("Your home was built in %(built)s, so before %(year)s. %(gaoz)s says that the owner of "
                               "a rental home built before %(year)s must apply for a conformity certificate."),
    "ca.unknown_year": _l("%(gaoz)s says that rental homes built before %(year)s need a conformity certificate. "
                          "You do not know the year, so we cannot tell."),
    "ca.conflict_40_years": _l("Your home was built in %(built)s. %(gaoz)s speaks of homes built before %(year)s: "
                               "then you would not need a certificate. But a news report speaks of homes older "
                               "than %(age)s years, and your home may be older than that."),
    "ca.not_required": _l("Your home was built in %(built)s, not before %(year)s. Then a certificate is only "
                          "required after a declaration as unfit or uninhabitable. You may always apply for one "
                          "yourself."),
    # --- conformiteitsattest: by when
    "ca.required_since": _l("The obligation applies since %(year)s."),
    "ca.started_without_attest": _l("Your rental has already started. Without the certificate you may no longer "
                                    "rent out this home. Apply now."),
    "ca.required_since_uncertain": _l("A news report of %(date)s said that from %(year)s a certificate would be "
                                      "required for rental homes built before %(built)s. We did not find from when "
                                      "this applies to your home, or whether it only applies to new leases."),
    "ca.started_without_attest_uncertain": _l("Your rental has already started. If the obligation already applies "
                                              "to your home, you may not rent it out without a certificate. Ask the "
                                              "housing desk (%(woonloket)s) of %(gaoz)s, and apply now."),
    "ca.started_apply_now": _l("Your rental has already started. Apply for the certificate now."),
    "ca.renew_before": _l("Apply for a new certificate in time, before %(date)s."),
    "ca.decision_time": _l("The mayor can take up to %(days)s days to decide. Apply well before the rental starts."),
    "ca.apply_by": _l("The rental starts on %(start)s. The mayor can take up to %(days)s days to decide. Apply by "
                      "%(date)s to have the decision before the start."),
    "ca.apply_now": _l("The rental starts on %(start)s. The mayor can take up to %(days)s days to decide. "
                       "Apply now."),
    "ca.presumption": _l("Is your certificate at most %(months)s months old when the rental starts? Then the home "
                         "is presumed to meet the standards."),
    "ca.attest_lapsed_if_unfit": _l("A certificate stops counting when the home is declared unfit or uninhabitable "
                                    "again. If that happened after you got your certificate, you need a new one."),
    "ca.attest_expired": _l("Your certificate stopped counting on %(date)s. You need a new one."),
    "ca.attest_valid_until": _l("Your certificate counts until %(date)s, unless the home is declared unfit or "
                                "uninhabitable before then."),
    # --- conformiteitsattest: what it costs
    "ca.fee_home": _l("The city of Genk charges %(amount)s per inspection of a home."),
    "ca.fee_home_svk": _l("For a home rented out through a social rental agency (%(svk)s), Genk charges "
                          "%(amount)s."),
    "ca.svk_is_woonmaatschappij": _l("Since %(date)s the social rental agencies are part of the housing companies "
                                     "(%(woonmaatschappijen)s)."),
    "ca.fee_rooms": _l("For a building with rooms, Genk charges %(base)s per inspection, plus %(per_room)s per "
                       "room, with at most %(max)s for the rooms. Your building (number of rooms: %(rooms)s): "
                       "%(total)s per inspection."),
    "ca.fee_rooms_capped": _l("The amount for the rooms has reached the maximum of %(max)s."),
    "ca.cap_home": _l("Flanders allows a municipality to charge at most %(amount)s per home."),
    "ca.cap_rooms": _l("Flanders allows a municipality to charge at most %(base)s plus %(per_room)s per room, and "
                       "at most %(max)s per building. For your building that is at most %(total)s."),
    "ca.fee_each_inspection": _l("Every inspection costs this again: the first, the second, the third and any "
                                 "later one, for example after repairs."),
    # --- conformiteitsattest: how long, what if not
    "ca.validity": _l("A certificate counts for %(years)s years. It keeps counting when you sell the home. It stops "
                      "counting when the home is declared unfit or uninhabitable again."),
    "ca.fine": _l("If you rent out without a required certificate, the city can give you a fine (%(gas)s) of up to "
                  "%(amount)s. Since %(date)s this fine can come again every year, until you have a certificate."),
    # --- conformiteitsattest: next steps
    "ca.step_ask_first": _l("Ask the housing desk (%(woonloket)s) of %(gaoz)s whether your home needs a "
                            "certificate, and from when."),
    "ca.step_apply": _l("Apply for the certificate at %(gaoz)s. You can do it yourself, or your estate agent does "
                        "it for you."),
    "ca.step_apply_voluntary": _l("Do you want a certificate anyway? Apply at %(gaoz)s. You can do it yourself, or "
                                  "your estate agent does it for you."),
    "ca.step_inspection": _l("An inspector checks the home. You get the certificate with at most %(small)s small "
                             "defects (category I) and no serious defects (category II or III)."),
    "ca.step_smoke_detectors": _l("The home must have enough smoke detectors. The certificate also says how many "
                                  "people may live in the home at most."),
    "ca.step_decision": _l("The mayor decides within %(days)s days."),
    "ca.step_appeal": _l("No certificate, or no decision in time? Then you can apply to %(wonen_vlaanderen)s "
                         "within %(days)s days."),
    # --- conformiteitsattest: what we do not know
    "ca.deadline_not_found": _l("We did not find by which date your home must have a certificate. The sources give "
                                "no steps or dates per year of construction."),
    "ca.forty_years": _l("%(gaoz)s speaks of homes built before %(year)s. A news report speaks of homes older than "
                         "%(age)s years. The sources do not agree."),
    "ca.unfit_unknown": _l("You do not know whether the home was ever declared unfit or uninhabitable. If it was, "
                           "a certificate is required."),
    "ca.plan_2030": _l("A news report says that from %(year)s every rental home in Flanders must pass an official "
                       "quality check. We could not check this with the Flemish government, so we do not know "
                       "whether it will become a rule."),
    "ca.penalty_points": _l("The website of %(gaoz)s still says that you get a certificate with fewer than "
                            "%(points)s penalty points. Since %(date)s Flanders uses categories of defects instead. "
                            "The sources do not agree."),
    "ca.fee_outdated": _l("These amounts come from a Genk regulation that applies since %(date)s. A new fee may have "
                          "come with the obligation."),
    "ca.svk_fee_unknown": _l("We do not know whether the inspection is still free for homes rented out to a "
                             "housing company (%(woonmaatschappij)s)."),
    "ca.fee_rooms_woonmaatschappij": _l("The sources say that a home of a social rental agency costs %(amount)s. "
                                        "They do not say whether this also holds for rooms."),
    "ca.fee_cap_reading": _l("We read the maximum of %(max)s as the maximum for the rooms. If it is the maximum for "
                             "the whole amount, you pay less than %(total)s."),
    # --- premiums: the outcome
    "premies.private": _l("You rent out the home yourself, on the ordinary rental market. Landlords like you get "
                          "%(premie)s only for works that save energy."),
    "premies.capped_rent": _l("For the premium, the sources only name landlords on the ordinary rental market and "
                              "landlords who rent to a housing company (%(woonmaatschappij)s). You rent out the "
                              "home yourself, so we use the rule for the ordinary rental market: %(premie)s only "
                              "for works that save energy."),
    "premies.woonmaatschappij": _l("You rent the home to a housing company (%(woonmaatschappij)s). Landlords like you "
                                   "always get the highest amount of %(premie)s for renovation and insulation works."),
    "premies.svk_is_woonmaatschappij": _l("Since %(date)s the social rental agencies (%(svk)s) are part of the "
                                          "housing companies (%(woonmaatschappijen)s). Renting through an agency "
                                          "now means renting to a housing company."),
    # --- premiums: per work
    "premies.work_highest": _l("Renovation or insulation: the highest premium."),
    "premies.work_heat_pump_woonmaatschappij": _l("From %(date)s, for landlords who rent to a housing company, the "
                                                  "premium was at most %(percent)s of the invoice."),
    "premies.work_not_stated": _l("The sources do not say what you get for this work when you rent to a housing "
                                  "company."),
    "premies.work_energy": _l("This work saves energy: you can get a premium for it."),
    "premies.work_energy_uncertain": _l("This work saves energy. By the rule of %(date)s you can get a premium "
                                        "for it."),
    "premies.work_highest_uncertain": _l("Renovation or insulation: by the rule of %(date)s, the highest premium."),
    "premies.work_not_for_private_uncertain": _l("This work is not one of the works that save energy. By the rule "
                                                 "of %(date)s landlords on the ordinary rental market get no premium "
                                                 "for it."),
    "premies.work_not_for_private": _l("This work is not one of the works that save energy. Landlords on the "
                                       "ordinary rental market get no premium for it."),
    "premies.building_old_enough": _l("The building must be at least %(years)s years old. Yours is."),
    "premies.building_too_young": _l("The building must be at least %(years)s years old. Yours is younger: no "
                                     "premium for this work."),
    "premies.permit_needed": _l("Your building is younger than %(min)s years. For this work it is enough that the "
                                "building permit is more than %(years)s years old. Check the date of the permit."),
    "premies.permit_old_enough": _l("Your building is younger than %(min)s years, but for this work it is enough "
                                    "that the building permit is more than %(years)s years old. Yours is."),
    "premies.permit_too_recent": _l("Your building is younger than %(min)s years. For this work the building permit "
                                    "must then be more than %(years)s years old. Yours is not: no premium for this "
                                    "work."),
    "premies.roof_minimum": _l("For roof works the invoice must be at least %(min)s without VAT."),
    "premies.roof_minimum_met": _l("For roof works the invoice must be at least %(min)s without VAT. Yours is "
                                   "%(amount)s: that is enough."),
    "premies.roof_below_minimum": _l("For roof works the invoice must be at least %(min)s without VAT. Yours is "
                                     "%(amount)s: that is too little for a premium."),
    "premies.amount_not_known": _l("How much the premium for this work is today is not known here. Check it at "
                                   "%(premie)s before you start."),
    "premies.heat_pump_categories_2025": _l("From %(date)s the heat-pump premium was at most a share of the "
                                            "invoice, per income category. These are the income categories from "
                                            "before %(reform)s. Since then there are %(categories)s new income "
                                            "categories, and we do not know whether these percentages apply to them."),
    "premies.heat_pump_cap": _l("Income category %(category)s: at most %(percent)s of the invoice."),
    "premies.heat_pump_category_estimate": _l("Income category %(category)s: at most %(percent)s of %(invoice)s, so "
                                              "at most %(amount)s."),
    "premies.heat_pump_estimate": _l("At most %(percent)s of %(invoice)s, so at most %(amount)s. The premium can be "
                                     "lower."),
    "premies.heat_pump_2026": _l("For %(year)s a sector organisation writes that every income can still get a "
                                 "heat-pump premium. The highest %(share)s of incomes get %(air_water)s for an "
                                 "air-water heat pump and %(hybrid)s for a hybrid heat pump."),
    "premies.heat_pump_boiler_2026": _l("For %(year)s a sector organisation writes that the highest %(share)s of "
                                        "incomes get %(amount)s for a heat-pump water heater."),
    "premies.other_incomes_not_known": _l("We did not find what other incomes get for this work. Check it at "
                                          "%(premie)s before you start."),
    # --- premiums: invoices
    "premies.invoice_rule": _l("On the day you apply, your invoices may be at most %(years)s years old. For an "
                               "advance payment, the date of its invoice counts."),
    "premies.invoice_apply_by": _l("Invoices may be at most %(years)s years old on the day you apply. Apply by "
                                   "%(date)s, so that your oldest invoice still counts."),
    "premies.invoice_too_old": _l("Your oldest invoice is more than %(years)s years old: the last day to apply with "
                                  "it was %(date)s. Newer invoices can still count."),
    # --- premiums: loans
    "premies.loan_blocked_ef": _l("You bought a home with EPC label E or F in %(year)s or later. Then you cannot get "
                                  "%(lening)s for %(years)s years. Instead you use the Flemish %(renovatiekrediet)s "
                                  "with an interest subsidy. Ask the housing desk or %(energiehuis)s how to get it."),
    "premies.loan_not_for_private": _l("%(gaoz)s names two kinds of landlords who can get %(lening)s: landlords who "
                                       "rent to a housing company, and landlords who rent out themselves with a "
                                       "capped rent. Your answers fit neither."),
    "premies.loan_possible": _l("You can borrow up to %(max)s with %(lening)s. In Genk you apply at "
                                "%(energiehuis)s."),
    "premies.loan_amount_within": _l("You want to borrow %(amount)s. That is within the maximum of %(max)s."),
    "premies.loan_amount_over": _l("You want to borrow %(amount)s. The maximum is %(max)s: you need another way to "
                                   "pay the other %(rest)s."),
    "premies.conventionering": _l("With a capped rent (%(conventionering)s) the rent is at most %(rent)s a month "
                                  "(%(rent_centrumstad)s in the %(centrumsteden)s), with a discount of "
                                  "%(discount_min)s to %(discount_max)s a month, for %(years)s years. This comes "
                                  "from a newspaper article of %(date)s."),
    "premies.loan_term": _l("You pay it back in at most %(years)s years."),
    "premies.loan_drawdowns": _l("From %(date)s you can take the loan in at most %(count)s parts. You can apply "
                                 "until %(until)s."),
    "premies.loan_rate_income": _l("For applications from %(year)s the interest depends on your income."),
    "premies.loan_rate": _l("For applications from %(date)s the interest was %(percent)s."),
    # --- premiums: the renovation obligation, help
    "premies.obligation": _l("You bought the home with EPC label E or F. Within %(years)s years of the deed, so by "
                             "%(date)s, it must reach at least label %(label)s. You prove it with a new EPC. If you "
                             "do not, the fine is %(min)s to %(max)s."),
    "premies.renocoach": _l("In %(council)s the city council decided that from %(year)s a Renocoach of "
                            "%(energiehuis)s would guide owners, and that the city would pay part of it. Genk had "
                            "already helped owners to renovate since %(since)s."),
    # --- premiums: what we do not know
    "premies.heat_pump_category_unknown": _l("The percentages for heat pumps come from the website of a manufacturer, "
                                             "not of the government. We also do not know in which category an "
                                             "ordinary private landlord falls."),
    "premies.heat_pump_source": _l("The percentage for heat pumps comes from the website of a manufacturer, not of "
                                   "the government."),
    "premies.work_unknown": _l("For some works the sources do not say what a landlord who rents to a housing "
                               "company gets."),
    "premies.genk_interest_subsidy": _l("Genk gave an interest subsidy on the renovation loan of the province: "
                                        "%(percent)s interest instead of %(instead)s, at most %(max)s, for at most "
                                        "%(years)s years, with at least %(share)s for works that save energy. It "
                                        "was for Genk owners in a priority group. This may be older than "
                                        "%(lening)s, and we do not know whether landlords can get it."),
    "premies.rule_2022": _l("The rule for landlords applies since %(date)s. The premiums changed after that, so it "
                            "may no longer be right."),
    "premies.amounts_2025": _l("For applications from %(date)s most premium amounts went down."),
    "premies.reform_2026": _l("From %(date)s there are %(categories)s income categories; applications until "
                              "%(until)s follow the old rules. The premium for a better EPC label ends on "
                              "%(epc_end)s. We did not find the new rules for landlords."),
    "premies.loan_rate_not_found": _l("We did not find the interest rate for applications from %(year)s. Flanders "
                                      "has a simulator for it on its website. Ask %(energiehuis)s which rate you get."),
    "premies.heat_pump_2026_start": _l("A manufacturer's website says that the new heat-pump amounts apply from "
                                       "%(date)s. Another source says that the new rules start on %(reform)s. The "
                                       "sources do not agree."),
    "premies.renocoach_unknown": _l("The Renocoach comes from a decision of the city council in %(council)s. We do "
                                    "not know whether it still runs, or on which terms."),
    "premies.epc_unknown_loan": _l("If the home had EPC label E or F when you bought it, you cannot get this loan "
                                   "for %(years)s years. Check the EPC of the home."),
    "premies.epc_unknown_obligation": _l("If the home had EPC label E or F when you bought it, it must reach at "
                                         "least label %(label)s within %(years)s years. Check the EPC of the home."),
    "premies.stricter_label": _l("For later purchases stricter labels apply than %(label)s. We did not find which "
                                 "label applies to your purchase."),
}

SECTION_TITLES = {
    "deadline": _l("By when?"),
    "cost": _l("What does it cost?"),
    "validity": _l("How long does it count?"),
    "sanction": _l("What if you have none?"),
    "next_steps": _l("What do you do now?"),
    "invoices": _l("By when do you apply?"),
    "loan": _l("Can you borrow money?"),
    "obligation": _l("Must you renovate?"),
    "help": _l("Who can help you?"),
}

STATUS_LABELS = {
    "confirmed": _l("confirmed"),
    "uncertain": _l("not certain"),
    "possibly-outdated": _l("may be outdated"),
    "conflict": _l("sources disagree"),
    "plan": _l("a plan, not a rule"),
    "not-found": _l("not found"),
}

# A work's verdict when every rule it rests on is confirmed ...
VERDICT_LABELS = {
    "yes": _l("Premium possible"),
    "check": _l("Possible, if you meet the condition"),
    "no": _l("No premium"),
}

# ... and when one is not: the same verdict, with its doubt and the office to check with.
HEDGED_VERDICT_LABELS = {
    "yes": _l("Premium possibly available: check with %(office)s"),
    "check": _l("Possibly, if you meet the condition: check with %(office)s"),
    "unknown": _l("Not known: ask %(office)s"),
    "no": _l("Probably no premium: check with %(office)s"),
}

WORK_LABELS = {
    "roof_insulation": _l("Roof insulation"),
    "wall_insulation": _l("Wall insulation"),
    "floor_insulation": _l("Floor insulation"),
    "hr_glazing": _l("High-efficiency glazing"),
    "heat_pump": _l("Heat pump"),
    "solar_boiler": _l("Solar water heater"),
    "heat_pump_boiler": _l("Heat-pump water heater"),
    "other_renovation": _l("Other renovation works, not to save energy"),
}

LANDLORDS_TEXT = {
    "private": _l("I rent it out myself, on the ordinary rental market"),
    "capped_rent": _l("I rent it out myself, with a capped rent (%(conventionering)s)"),
    "woonmaatschappij": _l("I rent it to a housing company (%(woonmaatschappij)s), formerly a social rental agency "
                           "(%(svk)s)"),
}

OFFICE_DESCRIPTIONS = {
    "woonloket_gaoz": _l("the housing desk of Genk, As, Oudsbergen and Zutendaal"),
    "energiehuis_limburg": _l("for loans and renovation coaching"),
    "mijn_verbouwpremie": _l("the premium website of the Flemish government"),
}


def term(text: str) -> Markup:
    """An official Dutch word or name, marked as Dutch for screen readers (WCAG 3.1.2)."""
    return Markup('<span lang="nl">%s</span>') % text


_MARKED_TERMS = {name: term(text) for name, text in TERMS.items()}  # the same in every language


def money(amount: Decimal) -> str:
    """€ 62,50 / €62,50 / 62,50 €, as each language writes it."""
    return format_currency(amount, "EUR", locale=get_locale())


def percent(value: Decimal) -> str:
    """20 % / %20 / 2,25 %, as each language writes it, with no decimals lost."""
    return format_percent(Decimal(value) / 100, locale=get_locale(), decimal_quantization=False)


def when(value: dt.date | str) -> str:
    """A full date, a month ("2022-06"), a year, or the words for "no date" and "not known"."""
    if isinstance(value, dt.date):
        return format_date(value, "long")
    if value == "n.d.":
        return _("no date")
    if value == "unknown":
        return _("not known")
    if len(value) == 7:
        return format_skeleton("yMMMM", dt.date(int(value[:4]), int(value[5:]), 1), locale=get_locale())
    return value


def show(value: Any) -> Any:
    """One value of a sentence, formatted for the reader's language."""
    if isinstance(value, Euro):
        return money(value.amount)
    if isinstance(value, Percent):
        return percent(value.value)
    if isinstance(value, dt.date):
        return format_date(value, "long")
    if isinstance(value, str) and (value in ("n.d.", "unknown") or re.fullmatch(r"\d{4}(-\d{2})?", value)):
        return when(value)  # a date from a rule file that only gives a year or a month
    if isinstance(value, int):
        return str(value)  # years and counts: 1981, not 1.981
    return value


def render(message: Any, values: Mapping[str, Any] | None = None) -> Markup:
    """A translated message with its values and Dutch terms filled in; the translation itself is escaped."""
    params: dict[str, Any] = dict(_MARKED_TERMS)
    params.update({name: show(value) for name, value in (values or {}).items()})
    return Markup(escape(str(message))) % params


def say(item: Line | Caveat) -> Markup:
    """The sentence of a line or caveat of an answer."""
    return render(MESSAGES[item.key], item.values)


def caveat_label(answer: Answer, caveat: Caveat) -> Any:
    """What kind of doubt a caveat is: the status of its rule, or "check this" for the reader's own gap."""
    status = caveat.status or answer.book[caveat.rule].status
    return STATUS_LABELS[status] if status in STATUS_LABELS and status != "confirmed" else _("Check this")


def _office_name(answer: Answer, verdict: Verdict) -> Markup:
    """The first office a hedged verdict sends the reader to, by its Dutch name."""
    return term(answer.book.offices[verdict.ask[0]].name) if verdict.ask else term(TERMS["gaoz"])


def outcome_title(answer: Answer) -> Markup:
    """The short answer, as the page's heading: "it depends / check with …" unless its rules are confirmed."""
    return render(HEADINGS[answer.heading.key], {"office": _office_name(answer, answer.heading)})


def verdict_label(answer: Answer, work: WorkAnswer) -> Markup:
    """A work's verdict: "Premium possible" on confirmed rules, "Premium possibly available: check with …" else."""
    verdict = work.judgement or work.judge(answer.book)
    if verdict.certain:
        return render(VERDICT_LABELS[work.verdict])
    return render(HEDGED_VERDICT_LABELS[work.verdict], {"office": _office_name(answer, verdict)})


def doubt_labels(verdict: Verdict) -> list[Any]:
    """What a hedged verdict's doubt is: the status of each unsure rule, "Check this" for a gap in the answers."""
    return [STATUS_LABELS[doubt] if doubt in STATUS_LABELS else _("Check this") for doubt in verdict.doubts]


def source_groups(rules: list[Rule]) -> list[dict[str, Any]]:
    """The sources of the rules used, one entry per page, with the dates its rules apply from."""
    groups: dict[str, dict[str, Any]] = {}
    for rule in rules:
        group = groups.setdefault(rule.source, {"url": rule.link, "title": rule.source_title,
                                                "lang": rule.source_lang, "date": when(rule.source_date),
                                                "applies_from": []})
        if rule.applies_from != "unknown":
            shown = when(rule.applies_from)
            if shown not in group["applies_from"]:
                group["applies_from"].append(shown)
    return list(groups.values())


def checked_month(rules: list[Rule]) -> tuple[str, str]:
    """The oldest month in which the rules used were checked: machine-readable, and for the reader."""
    oldest = min(rule.checked for rule in rules)
    return oldest, when(oldest)
