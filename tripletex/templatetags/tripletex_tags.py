"""Tags of the Tripletex pages."""

from collections.abc import Sequence

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

from hr.templatetags.hr_tags import hours
from tripletex.services.reconciliation import ReconciliationLine

register = template.Library()


@register.simple_tag
def reconciliation_rows(lines: Sequence[ReconciliationLine]) -> SafeString:
    """The lines of «Avstemming», one per person and project with approved hours in the month:
    Python, not a template loop, since a company of 300 has a line per person and project."""
    html = []
    for line in lines:
        difference = line.difference
        marked = ' class="status-rejected differs"' if difference else ""
        shown = f"<strong>{hours(difference)}</strong>" if difference else "0"
        html.append(
            f"<tr{marked}><td>{escape(line.employee.full_name)}</td>"
            f"<td>{escape(line.project.number)} {escape(line.project.name)}</td>"
            f'<td class="num">{hours(line.here)}</td><td class="num">{hours(line.tripletex)}</td>'
            f'<td class="num">{shown}</td></tr>'
        )
    return SafeString("".join(html))
