"""Enrol children for homework support without an account; staff place them in groups."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from events.models import utcnow
from participation import audit
from participation.enrolment import service
from participation.enrolment.forms import MAX_CHILDREN, DecisionForm, EnrolmentForm, GroupForm, IntakeForm
from participation.enrolment.models import ChildStatus, EnrolledChild, Enrolment, HomeworkGroup, erase_on
from participation.extensions import db, limiter
from participation.forms import ConfirmForm
from participation.i18n import localized

bp = Blueprint("enrolment", __name__)
limiter.limit("30 per minute", methods=["POST"])(bp)  # "add another child" posts too

staff_bp = Blueprint("homework_staff", __name__)
limiter.limit("60 per minute", methods=["POST"])(staff_bp)


@localized(bp, "/homework/enrol", methods=["GET", "POST"])
def enrol():
    """The enrolment form: several children at once, no account, no JavaScript."""
    form = EnrolmentForm()
    if request.method == "POST":
        if form.filled_by_robot():
            # Only a robot fills the hidden field: it is sent on as if all went well, and nothing is stored.
            return redirect(url_for("enrolment.enrol"))
        existing = service.by_submission(form.submission_id.data)
        if existing is not None:  # sent twice (a double click, or "back" and send again)
            return redirect(url_for("enrolment.enrolled", token=existing.token))
        action = request.form.get("action", "send")
        if action == "add" and len(form.children) < MAX_CHILDREN:
            form.children.append_entry()
        elif action == "remove" and len(form.children) > 1:
            form.children.pop_entry()
        elif action == "send" and form.validate_on_submit():
            try:
                enrolment = service.store(form)
                db.session.commit()  # the enrolment, its children and the confirmation e-mail together
            except IntegrityError:
                # The same form sent twice at the same moment: the first one was stored.
                db.session.rollback()
                enrolment = service.by_submission(form.submission_id.data)
                if enrolment is None:
                    raise
            return redirect(url_for("enrolment.enrolled", token=enrolment.token))
    school_year = service.target_school_year()
    return render_template("enrolment/form.html", form=form, max_children=MAX_CHILDREN,
                           school_year=school_year,
                           erase_on=erase_on(school_year, current_app.config["ENROLMENT_RETENTION_MONTHS"]))


@localized(bp, "/homework/enrolled/<token>")
def enrolled(token: str):
    """The parent's private page: the reference, the children, and what happens next."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.token == token))
    if enrolment is None:
        abort(404)
    return render_template("enrolment/enrolled.html", enrolment=enrolment,
                           erase_on=enrolment.erase_on(current_app.config["ENROLMENT_RETENTION_MONTHS"]))


# --- staff ---------------------------------------------------------------------------------------


_STATUS_ORDER = case({ChildStatus.NEW.value: 0, ChildStatus.WAITING.value: 1, ChildStatus.ACCEPTED.value: 2},
                     value=EnrolledChild.status, else_=3)


@localized(staff_bp, "/staff/homework/")
def index():
    """The groups, and every enrolled child: new ones first, then the waiting list."""
    status = request.args.get("status", "")
    groups = db.session.scalars(select(HomeworkGroup).order_by(
        HomeworkGroup.active.desc(), HomeworkGroup.school_year.desc(), HomeworkGroup.name)).all()
    query = (select(EnrolledChild).join(EnrolledChild.enrolment)
             .options(contains_eager(EnrolledChild.enrolment), selectinload(EnrolledChild.preferred_groups),
                      selectinload(EnrolledChild.group))
             .order_by(_STATUS_ORDER, Enrolment.created_at, EnrolledChild.position))
    if status in {member.value for member in ChildStatus}:
        query = query.where(EnrolledChild.status == status)
    else:
        status = ""
    children = db.session.scalars(query).all()
    if audit.record_view("homework_children", EnrolledChild, f"{len(children)} children"):
        db.session.commit()  # the look is on record, whatever happens next
    return render_template("enrolment/staff_index.html", groups=groups, children=children, status=status)


def _fill_group(group: HomeworkGroup, form: GroupForm) -> None:
    """Copy the form into the group."""
    group.name = form.name.data.strip()
    group.school_year = form.school_year.data
    group.school = form.school.data
    group.year_from, group.year_to = form.year_from.data, form.year_to.data
    group.weekdays = ",".join(form.weekdays.data)
    group.start_time, group.end_time = form.start_time.data, form.end_time.data
    group.place = form.place.data.strip()
    group.capacity = form.capacity.data
    group.active = bool(form.active.data)


@localized(staff_bp, "/staff/homework/groups/new", methods=["GET", "POST"])
def create_group():
    """Define a homework-support group that parents can choose."""
    form = GroupForm()
    if form.validate_on_submit():
        group = HomeworkGroup()
        _fill_group(group, form)
        db.session.add(group)
        audit.record("homework_group.create", group, f"{group.name} ({group.school_year})")
        db.session.commit()
        flash(_("The group is saved."), "success")
        return redirect(url_for("homework_staff.index"))
    return render_template("enrolment/group_form.html", form=form, group=None)


@localized(staff_bp, "/staff/homework/groups/<int:group_id>/edit", methods=["GET", "POST"])
def edit_group(group_id: int):
    """Change a group, or stop offering it to parents."""
    group = db.get_or_404(HomeworkGroup, group_id)
    form = GroupForm()
    if not form.is_submitted():
        form = GroupForm(name=group.name, school_year=group.school_year, school=group.school,
                         year_from=group.year_from, year_to=group.year_to, weekdays=group.weekday_codes,
                         start_time=group.start_time, end_time=group.end_time, place=group.place,
                         capacity=group.capacity, active=group.active)
    if form.validate_on_submit():
        _fill_group(group, form)
        audit.record("homework_group.update", group, f"{group.name} ({group.school_year})")
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("homework_staff.index"))
    return render_template("enrolment/group_form.html", form=form, group=group)


@localized(staff_bp, "/staff/homework/groups/<int:group_id>/list")
def group_list(group_id: int):
    """The group's children and how to reach their parents, made for printing."""
    group = db.get_or_404(HomeworkGroup, group_id)
    children = db.session.scalars(
        select(EnrolledChild).join(EnrolledChild.enrolment)
        .where(EnrolledChild.group_id == group.id,
               EnrolledChild.status.in_([ChildStatus.ACCEPTED.value, ChildStatus.WAITING.value]))
        .order_by(EnrolledChild.last_name, EnrolledChild.first_name, Enrolment.created_at)).all()
    accepted = [child for child in children if child.status == ChildStatus.ACCEPTED]
    waiting = sorted((child for child in children if child.status == ChildStatus.WAITING),
                     key=lambda child: (child.decided_at or child.enrolment.created_at, child.id))
    if audit.record_view("group_list", group, f"{len(children)} children"):
        db.session.commit()  # the look is on record, whatever happens next
    return render_template("enrolment/group_list.html", group=group, accepted=accepted, waiting=waiting)


def _enrolment_page(enrolment: Enrolment, forms: dict[int, DecisionForm] | None = None,
                    intake: IntakeForm | None = None, status: int = 200):
    """The review page of one family; a form sent with errors is shown again with them."""
    if audit.record_view("enrolment", enrolment, enrolment.reference):
        db.session.commit()  # the look is on record, whatever happens next
    forms = forms or {}
    for child in enrolment.children:
        if child.id not in forms:
            forms[child.id] = DecisionForm(
                formdata=None, prefix=f"child{child.id}",
                decision=child.status if child.status != ChildStatus.NEW else None,
                group=str(child.group_id or _first_preferred(child) or ""))
    if intake is None:
        intake = IntakeForm(formdata=None, intake_on=enrolment.intake_on, intake_time=enrolment.intake_time)
    return render_template("enrolment/review.html", enrolment=enrolment, forms=forms, intake=intake,
                           confirm=ConfirmForm(), erase_on=enrolment.erase_on(
                               current_app.config["ENROLMENT_RETENTION_MONTHS"])), status


def _first_preferred(child: EnrolledChild) -> int | None:
    """The group to propose first: the one the parent ticked first."""
    return child.preferred_groups[0].id if child.preferred_groups else None


@localized(staff_bp, "/staff/homework/enrolments/<int:enrolment_id>")
def review(enrolment_id: int):
    """One family: the parent, the children, the decisions and the intake talk."""
    return _enrolment_page(db.get_or_404(Enrolment, enrolment_id))


@localized(staff_bp, "/staff/homework/children/<int:child_id>/decide", methods=["POST"])
def decide(child_id: int):
    """Accept, put on the waiting list or decline one child; the parent hears it in their language."""
    child = db.get_or_404(EnrolledChild, child_id)
    enrolment = child.enrolment
    form = DecisionForm(prefix=f"child{child.id}")
    if not form.validate_on_submit():
        return _enrolment_page(enrolment, forms={child.id: form})
    decision = ChildStatus(form.decision.data)
    group = db.session.get(HomeworkGroup, int(form.group.data)) if form.group.data else None
    try:
        changed = service.decide(child, decision, group)
    except service.GroupFull as full:
        form.group.errors.append(ngettext(
            "%(group)s is full (%(places)d place). Put the child on the waiting list, or choose another group.",
            "%(group)s is full (%(places)d places). Put the child on the waiting list, or choose another group.",
            full.group.capacity, group=full.group.name, places=full.group.capacity))
        return _enrolment_page(enrolment, forms={child.id: form})
    group = child.group
    audit.record(f"enrolment.{decision.value}", child,
                 f"{enrolment.reference}" + (f": {group.name} ({group.school_year})" if group else ""))
    db.session.commit()  # the decision, the e-mail to the parent and the audit entry together
    if child.told_at is not None and changed:
        flash(_("The decision is saved. The parent gets an e-mail in their language."), "success")
    elif changed:
        flash(_("The decision is saved. Call the parent to tell them: see below."), "success")
    else:
        flash(_("The decision is saved."), "success")
    return redirect(url_for("homework_staff.review", enrolment_id=enrolment.id, _anchor=f"child-{child.id}"))


@localized(staff_bp, "/staff/homework/children/<int:child_id>/called", methods=["POST"])
def called(child_id: int):
    """Note that staff phoned the parent about the decision."""
    child = db.get_or_404(EnrolledChild, child_id)
    if ConfirmForm().validate_on_submit() and child.decided_at is not None:
        child.told_at = utcnow()
        audit.record("enrolment.called", child, child.enrolment.reference)
        db.session.commit()
        flash(_("Noted: the parent knows the decision."), "success")
    return redirect(url_for("homework_staff.review", enrolment_id=child.enrolment_id))


@localized(staff_bp, "/staff/homework/enrolments/<int:enrolment_id>/intake", methods=["POST"])
def record_intake(enrolment_id: int):
    """Record the date of the intake talk, agreed with the parent (it shows on the parent's page)."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = IntakeForm()
    if not form.validate_on_submit():
        return _enrolment_page(enrolment, intake=form)
    enrolment.intake_on, enrolment.intake_time = form.intake_on.data, form.intake_time.data
    audit.record("enrolment.intake", enrolment, f"{enrolment.reference}: {enrolment.intake_on.isoformat()}")
    db.session.commit()
    flash(_("The date of the intake talk is saved."), "success")
    return redirect(url_for("homework_staff.review", enrolment_id=enrolment.id, _anchor="intake"))
