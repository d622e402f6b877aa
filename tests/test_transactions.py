"""Services flush, views commit: a change, its e-mails and its audit entry are stored together or not at all.

No function of a service module commits or rolls back the session; the view or the command that
called it does, once. The outbox worker's delivery loop is the one exception, and says why."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import func, select

from events.models import Event
from participation.extensions import db
from participation.models import AuditEntry
from participation.signups import service
from participation.signups.models import Signup
from test_signups import add_activity

PACKAGE = Path(__file__).resolve().parent.parent / "participation"

# The worker owns its transactions, as a command does: a message is claimed (committed) before it is
# sent, so that no other worker sends it too, and each send is recorded at once.
WORKER = {("outbox.py", "_claim"), ("outbox.py", "deliver_due"), ("outbox.py", "run_worker")}


def service_modules() -> list[Path]:
    """Every module that changes data for a view or a command: the services, the outbox, the audit log,
    the privacy rules (its routes are views)."""
    found = [*PACKAGE.glob("*/service.py"), PACKAGE / "outbox.py", PACKAGE / "audit.py",
             *(path for path in (PACKAGE / "privacy").glob("*.py") if path.name != "routes.py")]
    return sorted(found)


def _is_command(function: ast.FunctionDef) -> bool:
    """A click command (`@app.cli.command(...)`, `@group.command()`): it commits what it did."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "command":
            return True
    return False


def transaction_ends(source: str, module: str = "") -> list[str]:
    """`function: commit` for each commit() or rollback() outside a command and the worker."""
    found = []

    def visit(node: ast.AST, functions: list[ast.FunctionDef]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions = [*functions, node]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")):
            allowed = any(_is_command(function) or (module, function.name) in WORKER for function in functions)
            if not allowed:
                found.append(f"{functions[-1].name if functions else '<module>'}: {node.func.attr}")
        for child in ast.iter_child_nodes(node):
            visit(child, functions)

    visit(ast.parse(source), [])
    return found


def test_the_scan_finds_a_commit_and_lets_a_command_commit():
    source = '''
def store():
    db.session.commit()

def undo(session):
    session.rollback()

def init_app(app):
    @app.cli.command("purge")
    def purge():
        db.session.commit()
'''
    assert transaction_ends(source) == ["store: commit", "undo: rollback"]


def test_no_service_commits_or_rolls_back():
    modules = service_modules()
    assert PACKAGE / "enrolment" / "service.py" in modules and PACKAGE / "privacy" / "person.py" in modules
    found = {str(path.relative_to(PACKAGE)): ends for path in modules
             if (ends := transaction_ends(path.read_text(encoding="utf-8"), path.name))}
    assert not found, f"services flush, the view or command commits: {found}"


def test_a_double_click_that_wins_the_race_late_leaves_the_callers_transaction_as_it_was(app, monkeypatch):
    """The other click stores the sign-up between this one's two looks for the submission id: the unique
    key refuses the second row, a savepoint undoes only that row, and the caller's work goes on."""
    event_id = add_activity(app)
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        [first] = service.sign_up_for(event, [None], name="Ayşe", phone="+32470121212", email="", people=1,
                                      language="nl", submission_id="one-form")
        db.session.commit()
        looked = []
        real = service._already_stored

        def too_early(event_id, ids):  # as if the first click committed just after each look
            looked.append(ids)
            return [] if len(looked) <= 2 else real(event_id, ids)

        monkeypatch.setattr(service, "_already_stored", too_early)
        db.session.add(AuditEntry(actor_email="caller@example.be", action="test.before", subject_type="Event",
                                  subject_id=str(event_id), summary="added by the caller first"))
        # Another phone number, so the same-person check lets it through to the insert.
        again = service.sign_up_for(event, [None], name="Ayşe", phone="+32470999999", email="", people=1,
                                    language="nl", submission_id="one-form")
        assert [row.id for row in again] == [first.id] and len(looked) == 3
        db.session.commit()  # the caller's transaction is still open and whole
    with app.app_context():
        assert db.session.scalar(select(func.count(Signup.id))) == 1
        assert db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "test.before")).all() == [
            "added by the caller first"]
