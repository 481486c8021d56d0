"""My work: open it, start, tick the checklist, add a note, finish — on a phone."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from maintenance.domain.errors import NotFound
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from occupants.domain.model import MAX_PHOTO_BYTES, PhotoRefused
from web import deps
from web.forms import FinishForm, NoteForm
from web.i18n import lazy
from web.iaq.overview import timezone_of, timezones
from web.refusals import photo_refusal
from web.security import WORKERS, me, roles_required
from web.stock.views import consumption_panel
from web.workorders import attempt, manages, ticks, wo_photos, works_on

bp = Blueprint("mywork", __name__)


def _mine() -> tuple[list[WorkOrderView], list[WorkOrderView]]:
    """My open work, and unassigned open work of my crews that I may pick up."""
    service, now, user = deps.container().work_order_service, deps.now(), me()
    mine = service.list(
        WorkOrderFilter(assignee=user.username, open_only=True),
        viewer=user.actor, limit=200, now=now,
    ).items  # fmt: skip
    available: list[WorkOrderView] = []
    for crew in user.crews:
        page = service.list(
            WorkOrderFilter(crew=crew, status="open"), viewer=user.actor, limit=50, now=now
        )
        available.extend(wo for wo in page.items if wo.assignee is None)
    return list(mine), available


@bp.get("/my-work")
@roles_required(*WORKERS)
def my_work() -> ResponseReturnValue:
    """My open work orders, soonest due first; refreshes itself."""
    mine, available = _mine()
    template = "mywork/_list.html" if request.args.get("partial") else "mywork/list.html"
    return render_template(template, mine=mine, available=available, tz=timezones())


def _load(wo_id: int) -> WorkOrderView:
    try:
        return deps.container().work_order_service.get(wo_id, deps.now(), viewer=me().actor)
    except NotFound:
        abort(404)


@bp.get("/my-work/<int:wo_id>")
@roles_required(*WORKERS)
def work_order(wo_id: int) -> ResponseReturnValue:
    """One work order, with the buttons its assignee needs."""
    wo = _load(wo_id)
    return render_template(
        "mywork/detail.html",
        wo=wo,
        tz=timezone_of(wo.building),
        history=deps.container().work_order_service.history(wo_id, viewer=me().actor),
        can_work=works_on(me(), wo) or manages(me(), wo),
        can_tick=ticks(me(), wo),
        note_form=NoteForm(),
        finish_form=FinishForm(),
        photos=wo_photos(wo.id),
        stock=consumption_panel(wo),
    )


def _back(wo_id: int) -> ResponseReturnValue:
    return redirect(url_for("mywork.work_order", wo_id=wo_id))


def _move(wo_id: int, to_status: str, message: str) -> ResponseReturnValue:
    service = deps.container().work_order_service
    if attempt(lambda: service.transition(wo_id, to_status, me().username, deps.now())):
        flash(message, "success")
    return _back(wo_id)


@bp.post("/my-work/<int:wo_id>/start")
@roles_required(*WORKERS)
def start(wo_id: int) -> ResponseReturnValue:
    """Start (or resume) the work; unassigned crew work becomes mine."""
    return _move(wo_id, "in_progress", str(lazy("Work started.")))


@bp.post("/my-work/<int:wo_id>/hold")
@roles_required(*WORKERS)
def hold(wo_id: int) -> ResponseReturnValue:
    """Pause the work."""
    return _move(wo_id, "on_hold", str(lazy("Work paused.")))


@bp.post("/my-work/<int:wo_id>/checklist/<int:index>")
@roles_required(*WORKERS)
def tick(wo_id: int, index: int) -> ResponseReturnValue:
    """Tick or untick one checklist item."""
    done = request.form.get("done") == "1"
    service = deps.container().work_order_service
    attempt(lambda: service.tick(wo_id, index, done, me().username, deps.now()))
    return redirect(url_for("mywork.work_order", wo_id=wo_id, _anchor="checklist"))


@bp.post("/my-work/<int:wo_id>/note")
@roles_required(*WORKERS)
def note(wo_id: int) -> ResponseReturnValue:
    """Add a note to the history."""
    form = NoteForm()
    if not form.validate_on_submit():
        flash(lazy("A note needs text."), "error")
        return _back(wo_id)
    service = deps.container().work_order_service
    if attempt(lambda: service.add_note(wo_id, form.text.data, me().username, deps.now())):
        flash(lazy("Note added."), "success")
    return redirect(safe_next(wo_id))


def safe_next(wo_id: int) -> str:
    """Back to where the note was written (my work or the board's detail page)."""
    if request.form.get("from") == "board":
        return url_for("board.detail", wo_id=wo_id)
    return url_for("mywork.work_order", wo_id=wo_id)


@bp.post("/my-work/<int:wo_id>/finish")
@roles_required(*WORKERS)
def finish(wo_id: int) -> ResponseReturnValue:
    """Mark the work done, with notes, time spent and an optional after-photo (checked by
    content, re-encoded and stored by hash like occupants' photos)."""
    form = FinishForm()
    if not form.validate_on_submit():
        flash(lazy("Please check the time spent."), "error")
        return _back(wo_id)
    _load(wo_id)  # another building's (or crew's) work order: 404 before reading a photo
    requests = deps.container().occupant_requests
    upload = request.files.get("after_photo")
    digest = None
    if upload is not None and upload.filename:
        try:
            digest = requests.keep_photo(upload.stream.read(MAX_PHOTO_BYTES + 1))
        except PhotoRefused as exc:
            flash(photo_refusal(exc.code), "error")
            return _back(wo_id)
    service = deps.container().work_order_service
    done = attempt(
        lambda: service.transition(
            wo_id,
            "done",
            me().username,
            deps.now(),
            (form.notes.data or "").strip() or None,
            form.time_spent.data,
        )
    )
    if done is not None:
        if digest is not None:
            requests.attach_after_photo(wo_id, digest, me().username)
        flash(lazy("Work order %(id)s is done. Thank you!", id=wo_id), "success")
        return redirect(url_for("mywork.my_work"))
    return _back(wo_id)
