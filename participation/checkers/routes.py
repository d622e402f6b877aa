"""The landlord checkers: a few questions, then the answer for this case with its sources.

The form is sent with GET (see `CheckerForm`): the answer page's address holds the answers, so a
landlord can keep it, and "change your answers" opens the questions filled in again.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from participation.checkers import engine, texts
from participation.checkers.forms import CheckerForm, ConformiteitsattestForm, PremiesForm, today
from participation.i18n import localized

bp = Blueprint("checkers", __name__)


@bp.record_once
def load_rules(state) -> None:
    """Read and check the rule files when the app starts: a broken rule file stops the start, loudly.

    CHECKER_RULES_DIR can point at a copy of `checkers/rules/` outside the code; changes apply on restart.
    """
    folder = state.app.config.get("CHECKER_RULES_DIR")
    state.app.extensions["checkers"] = {name: engine.load_rulebook(name, folder) for name in engine.SCHEMAS}


def rulebook(name: str) -> engine.RuleBook:
    """The rules of one checker, as read at start-up."""
    return current_app.extensions["checkers"][name]


@bp.context_processor
def checker_context() -> dict:
    """The checkers' texts and formatters, for their templates."""
    return {"texts": texts, "terms": {name: texts.term(word) for name, word in texts.TERMS.items()}}


def _answers_again(form: CheckerForm) -> dict[str, list[str]]:
    """The answers in the address, to fill the questions in again; only the form's own fields, so a
    crafted address cannot pass url_for's options (_external, _scheme, _anchor)."""
    return {name: values for name, values in request.args.lists() if name in form._fields}


def _show_form(template: str, form: CheckerForm, book: engine.RuleBook):
    """The questions, with any errors next to their fields and everything typed kept."""
    return render_template(template, form=form, book=book)


@localized(bp, "/checkers/conformiteitsattest")
def conformiteitsattest():
    """The questions about one rental home; answers given before are filled in again."""
    form = ConformiteitsattestForm(formdata=request.args or None)
    return _show_form("checkers/conformiteitsattest.html", form, rulebook("conformiteitsattest"))


@localized(bp, "/checkers/conformiteitsattest/answer")
def conformiteitsattest_answer():
    """Whether this home needs a conformiteitsattest, by when, at what cost, and the next step."""
    if not request.args:
        return redirect(url_for("checkers.conformiteitsattest"))
    book = rulebook("conformiteitsattest")
    form = ConformiteitsattestForm(formdata=request.args)
    if not form.validate():
        return _show_form("checkers/conformiteitsattest.html", form, book)
    answer = engine.check_conformiteitsattest(book, form.case(), today())
    return render_template("checkers/answer.html", answer=answer, form=form,
                           change_url=url_for("checkers.conformiteitsattest", **_answers_again(form)))


@localized(bp, "/checkers/premies")
def premies():
    """The questions about the home, the landlord and the works; answers given before are filled in again."""
    form = PremiesForm(formdata=request.args or None)
    return _show_form("checkers/premies.html", form, rulebook("premies"))


@localized(bp, "/checkers/premies/answer")
def premies_answer():
    """The premiums and loans that apply, with rates, ceilings, an estimate where the facts allow one, and conditions."""
    if not request.args:
        return redirect(url_for("checkers.premies"))
    book = rulebook("premies")
    form = PremiesForm(formdata=request.args)
    if not form.validate():
        return _show_form("checkers/premies.html", form, book)
    answer = engine.check_premies(book, form.case(), today())
    return render_template("checkers/answer.html", answer=answer, form=form,
                           change_url=url_for("checkers.premies", **_answers_again(form)))
