import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache

from django import template
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from hr.models import EntryStatus, HourEntry
from hr.reports import Split, WeekChart
from hr.selectors import GridCell, GridRow

register = template.Library()


@register.filter
def hours(value: Decimal | None) -> str:
    """7.50 → "7,5" in Norwegian, "7.5" in English: at most two decimals, no trailing zeros."""
    if value is None or value == "":
        return ""
    return _hours_text(Decimal(value), get_language())


@lru_cache(maxsize=1024)
def _hours_text(value: Decimal, language: str) -> str:
    """Formatting a number in the active language is slow, and «Godkjenning» shows a thousand."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(normalized, decimal_pos=min(places, 2))


@register.filter
def get_index(sequence: Sequence[object], index: int) -> object:
    try:
        return sequence[index]
    except (IndexError, TypeError):
        return ""


@register.filter
def absolute(value: Decimal) -> Decimal:
    return abs(value)


@register.simple_tag
def grid_cell(row: GridRow, cell: GridCell, prefix: str = "") -> SafeString:
    """One cell of the week grid, as HTML. Written in Python rather than as an included template:
    a 20-row week has 280 of them (desktop and phone), and an include per cell made the page slow."""
    input_id = f"{prefix}{cell.name}"
    state_id, error_id = f"{prefix}state-{cell.name}", f"{prefix}error-{cell.name}"
    row_header = f"{prefix}rowh-{row.key}" + (f"-{cell.index}" if prefix else "")
    classes = (
        "cell" + (f" status-{cell.status}" if cell.status else "") + (" has-error" if cell.error else "")
    )
    if cell.is_editable:
        body = _editable_cell(row, cell, prefix, input_id, state_id, error_id, row_header)
    else:
        body = _read_only_cell(cell)
    return SafeString(f'<td class="{escape(classes)}" data-col="{cell.index}">{body}</td>')


def _editable_cell(
    row: GridRow, cell: GridCell, prefix: str, input_id: str, state_id: str, error_id: str, row_header: str
) -> SafeString:
    """f-strings rather than format_html, whose escaping of every argument (ids and numbers too) was
    most of a cell's time; every text is escaped here."""
    saved = hours(cell.hours) if cell.entries else ""
    value = cell.typed if cell.typed is not None else saved
    described = " ".join(
        ([error_id] if cell.error else []) + ([state_id] if cell.status == EntryStatus.REJECTED else [])
    )
    extra = f' aria-describedby="{escape(described)}"' if described else ""
    if cell.error:
        extra += ' aria-invalid="true"'
    input_id, row_header, name = escape(input_id), escape(row_header), escape(cell.name)
    html = [
        f'<input class="hours" id="{input_id}" name="{name}" aria-labelledby="{row_header} '
        f'{escape(prefix)}colh-{cell.index}" value="{escape(value)}" data-saved="{escape(saved)}"'
        f' inputmode="decimal" autocomplete="off" size="4" data-project="{row.project.id}"'
        f' data-wage-type="{row.wage_type.id}" data-date="{cell.date.isoformat()}"'
        f' data-col="{cell.index}"{extra}>'
    ]
    if cell.status == EntryStatus.REJECTED:
        reason = cell.rejection_reason
        tip = gettext("Avvist: %(reason)s") % {"reason": reason}
        html.append(
            f'<span class="cell-state rejected" id="{escape(state_id)}" title="{escape(reason)}">'
            f'{escape(gettext("Avvist"))}<span class="tip">{escape(tip)}</span></span>'
        )
    day = escape(_day_label(cell.date, get_language()))
    comment = escape(gettext("Kommentar"))
    comment_id = escape(f"{prefix}{cell.comment_name}")
    html.append(
        f'<details class="cell-comment"><summary title="{comment}"><span class="visually-hidden">'
        f"{comment}, {day}, {escape(row.project.name)}</span>"
        f'<span aria-hidden="true">{"✎•" if cell.comment else "✎"}</span></summary>'
        f'<label class="visually-hidden" for="{comment_id}">{comment}</label>'
        f'<textarea id="{comment_id}" name="{escape(cell.comment_name)}" maxlength="500" rows="2"'
        f' data-comment-for="{input_id}">{escape(cell.comment)}</textarea></details>'
    )
    if cell.error:
        html.append(f'<span class="error cell-error" id="{escape(error_id)}">{escape(cell.error)}</span>')
    return SafeString("".join(html))


@lru_cache(maxsize=512)
def _entry_date(date: datetime.date, language: str) -> str:
    """«man 23.11.2026» / «Mon 11/23/2026»."""
    return f"{date_format(date, 'D')} {date_format(date, 'SHORT_DATE_FORMAT')}"


@lru_cache(maxsize=512)
def _day_label(date: datetime.date, language: str) -> str:
    """«mandag 23.11.»: formatting a date in the active language is slow, and each day has 40 cells."""
    return f"{date_format(date, 'l')} {date_format(date, 'MONTH_DAY_FORMAT')}"


def _read_only_cell(cell: GridCell) -> SafeString:
    html = format_html('<span class="cell-value">{}</span>', hours(cell.hours))
    entry = cell.entry
    if cell.is_multiple:
        return html + format_html('<a class="cell-note" href="#entries">{}</a>', gettext("flere føringer"))
    if entry is None:
        return html
    status = entry.get_status_display()
    transfer = getattr(entry, "transfer", None)
    if transfer is None:
        return html + format_html(
            '<span class="cell-state {}" title="{}">{}</span>', cell.status, status, status
        )
    return html + format_html(
        '<span class="cell-state {}" title="{} · Tripletex: {}">{} · '
        '<span class="transfer-{}">{}</span></span>',
        cell.status, status, transfer.label, status, transfer.state, transfer.label,
    )  # fmt: skip


@register.simple_tag
def options(items: Iterable[Model], selected: object = "") -> SafeString:
    """The <option>s of a choice among a company's projects, lønnsarter, people or departments, each
    labelled as it names itself: Python, not a template loop, since a company may have hundreds of
    projects and people, and the week offers the choice of a project twice (grid and day by day)."""
    chosen = "" if selected is None else str(selected)
    html = []
    for item in items:
        mark = " selected" if str(item.pk) == chosen else ""
        html.append(f'<option value="{item.pk}"{mark}>{escape(str(item))}</option>')
    return SafeString("".join(html))


@register.simple_tag
def report_split_rows(splits: Sequence[Split]) -> SafeString:
    """The rows of a table of «Rapporter» (per project, person or lønnsart): Python, not a template
    loop, since a company of 300 has a row per person, six cells each."""
    return SafeString(
        "".join(
            _hours_row(" ".join(s.key), (s.approved, s.submitted, s.registered, s.rejected, s.total))
            for s in splits
        )
    )


@register.simple_tag
def chart_table_rows(chart: WeekChart) -> SafeString:
    """The table under the chart of «Rapporter», a row per week and a cell per project: Python, as
    report_split_rows, since a year of twenty projects is a thousand cells."""
    return SafeString("".join(_hours_row(label, values) for label, values in chart.rows))


def _hours_row(label: str, values: Iterable[Decimal]) -> str:
    cells = "".join(f'<td class="num">{hours(value)}</td>' for value in values)
    return f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>'


@register.simple_tag
def approval_cell(cell: GridCell) -> SafeString:
    """One day of a row on «Godkjenning»: the hours, read-only, marked when not waiting for approval
    (approved, with where the hours went, or rejected). Python for the same reason as grid_cell,
    with f-strings rather than format_html: a page of cards has a thousand cells."""
    if not cell.entries:
        return SafeString('<td class="num cell"></td>')
    value = hours(cell.hours)
    status = cell.status
    if status in ("", EntryStatus.SUBMITTED):
        return SafeString(f'<td class="num cell">{value}</td>')
    if status == "mixed":
        label = gettext("flere statuser")
    else:
        label = cell.entries[0].get_status_display()
    transfer = cell.transfer
    if transfer is not None:
        label = f"{label} · Tripletex: {transfer.label}"  # type: ignore[attr-defined]
    marker = {"approved": "✓", "rejected": "✗"}.get(status, "•")
    shown = escape(label)
    return SafeString(
        f'<td class="num cell status-{escape(status)}" title="{shown}">{value}'
        f'<span class="cell-mark" aria-hidden="true">{marker}</span>'
        f'<span class="visually-hidden"> ({shown})</span></td>'
    )


@register.simple_tag
def approval_day_headers(days: list[datetime.date]) -> SafeString:
    """The seven day headers of a card on «Godkjenning»: every card of the same week has the same,
    so they are made once per week and language."""
    return _approval_day_headers(tuple(days), get_language())


@lru_cache(maxsize=256)
def _approval_day_headers(days: tuple[datetime.date, ...], language: str) -> SafeString:
    html = SafeString("")
    for day in days:
        html += format_html(
            '<th scope="col" class="num"><abbr title="{}">{}</abbr></th>',
            _day_label(day, language),
            date_format(day, "D"),
        )
    return html


@register.simple_tag
def approval_row(row: GridRow) -> SafeString:
    """A row of a card on «Godkjenning»: project, lønnsart, the seven days and the sum. Python for
    the same reason as grid_cell: 50 cards of a week each."""
    name = escape(f"{row.project.number} {row.project.name}")
    wage_type = escape(row.wage_type.name)
    cells = "".join(approval_cell(cell) for cell in row.cells)
    return SafeString(
        f'<tr><th scope="row" class="project-name" tabindex="0" title="{name}">'
        f'<span class="truncate">{name}</span></th>'
        f'<td class="wage-type" title="{wage_type}"><span class="truncate">{wage_type}</span></td>'
        f'{cells}<td class="num"><strong>{hours(row.total)}</strong></td></tr>'
    )


@register.simple_tag
def approval_day_totals(totals: list[Decimal]) -> SafeString:
    return SafeString("".join(f'<td class="num">{hours(total) if total else ""}</td>' for total in totals))


@register.simple_tag
def approval_entry_rows(entries: list[HourEntry]) -> SafeString:
    """The sent-in entries of a card on «Godkjenning», each with its reason field and «Godkjenn» /
    «Avvis». Python for the same reason as grid_cell: 50 cards of a week each."""
    language = get_language()
    approve, reject = escape(gettext("Godkjenn")), escape(gettext("Avvis"))
    html = []
    for entry in entries:
        short = escape(_short_date(entry.date, language))
        by = ""
        if entry.submitted_by_id != entry.employee_id and entry.submitted_by is not None:
            name = gettext("av %(name)s") % {"name": entry.submitted_by.full_name}
            by = f"<br><small>{escape(name)}</small>"
        submitted = escape(_submitted_at(entry.submitted_at, language)) if entry.submitted_at else ""
        project = escape(f"{entry.project.number} {entry.project.name}")
        reason = escape(gettext("Begrunnelse for %(date)s") % {"date": _short_date(entry.date, language)})
        number = entry.id
        html.append(
            f'<tr id="entry-{number}"><td>{escape(_entry_date(entry.date, language))}</td>'
            f'<td class="project-name" tabindex="0" title="{project}">'
            f'<span class="truncate">{project}</span></td>'
            f'<td>{escape(entry.wage_type.name)}</td><td class="num">{hours(entry.hours)}</td>'
            f"<td>{submitted}{by}</td>"
            f'<td><label class="visually-hidden" for="reason-{number}">{reason}</label>'
            f'<input type="text" id="reason-{number}" name="reason-{number}" maxlength="500"'
            f' data-enter-clicks="reject:{number}"></td><td class="row-actions">'
            f'<button type="submit" name="action" value="approve:{number}" class="secondary">{approve}'
            f'<span class="visually-hidden"> {short}</span></button> '
            f'<button type="submit" name="action" value="reject:{number}" class="danger">{reject}'
            f'<span class="visually-hidden"> {short}</span></button></td></tr>'
        )
    return SafeString("".join(html))


@lru_cache(maxsize=512)
def _submitted_at(moment: datetime.datetime, language: str) -> str:
    """A week's entries are mostly sent in at the same moment."""
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@lru_cache(maxsize=512)
def _short_date(date: datetime.date, language: str) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


@register.simple_tag(takes_context=True)
def entry_rows(context: template.Context, entries: list[HourEntry]) -> SafeString:
    """The rows of «Timeføringer» under the grid, as HTML: one per entry, with its status, transfer
    state and, while editable, «Endre» and «Slett». Python for the same reason as grid_cell."""
    edit_url = reverse("hr:entry_edit", args=[0]).replace("/0/", "/{}/")
    delete_url = reverse("hr:entry_delete", args=[0]).replace("/0/", "/{}/")
    csrf = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context.get("csrf_token", "")
    )
    texts = {
        "reason": gettext("Begrunnelse:"),
        "edit": gettext("Endre"),
        "delete": gettext("Slett"),
        "confirm": gettext("Slette denne timeføringen?"),
    }
    html = SafeString("")
    for entry in entries:
        html += _entry_row(entry, texts, edit_url, delete_url, csrf)
    if not entries:
        html = format_html('<tr><td colspan="7" class="empty">{}</td></tr>', gettext("Ingen timeføringer."))
    return html


def _entry_row(
    entry: HourEntry, texts: dict[str, str], edit_url: str, delete_url: str, csrf: SafeString
) -> SafeString:
    status = entry.get_status_display()
    state = format_html('<span class="badge status-{}">{}</span>', entry.status, status)
    if entry.status == EntryStatus.REJECTED:
        state += format_html(
            '<p class="reason"><strong>{}</strong> {}</p>', texts["reason"], entry.rejection_reason
        )
    transfer = getattr(entry, "transfer", None)
    if transfer is not None:
        # The accounting system's own words are its language, not the page's: marked as such.
        quoted = (
            format_html(' <q class="transfer-says" lang="nb">{}</q>', transfer.quoted)
            if transfer.quoted
            else ""
        )
        message = (
            format_html('<small class="transfer-message">{}{}</small>', transfer.message, quoted)
            if transfer.message and transfer.state != "sent"
            else ""
        )
        state += format_html(
            '<p class="transfer transfer-{}"><span class="badge transfer-{}" title="{}">Tripletex: {}</span>'
            "{}</p>",
            transfer.state, transfer.state, transfer.message, transfer.label, message,
        )  # fmt: skip
    actions = SafeString("")
    if entry.is_editable:
        what = f" {date_format(entry.date, 'MONTH_DAY_FORMAT')} {entry.project.name}"
        actions = format_html(
            '<a href="{}">{}<span class="visually-hidden">{}</span></a>'
            '<form method="post" action="{}" class="inline" data-confirm="{}">{}'
            '<button type="submit" class="link">{}<span class="visually-hidden">{}</span></button></form>',
            edit_url.format(entry.id), texts["edit"], what,
            delete_url.format(entry.id), texts["confirm"], csrf, texts["delete"], what,
        )  # fmt: skip
    return format_html(
        '<tr id="entry-{}" class="status-{}"><td>{}</td><td>{} {}</td><td>{}</td><td class="num">{}</td>'
        '<td>{}</td><td>{}</td><td class="row-actions">{}</td></tr>',
        entry.id, entry.status, _entry_date(entry.date, get_language()),
        entry.project.number, entry.project.name, entry.wage_type.name,
        hours(entry.hours), entry.comment, state, actions,
    )  # fmt: skip
