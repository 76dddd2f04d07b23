"""The change history's entries as the history pages show them (templates/auditlog/)."""

from auditlog.models import LogEntry
from django import template

from accessportal.admin import change_rows_html

register = template.Library()


@register.filter
def change_table(entry: LogEntry) -> str:
    """An entry's changes in words, a table (``accessportal.admin.change_rows_html``)."""
    return change_rows_html(entry)
