"""Texts of the libraries the operators' pages show that their own catalogues lack in
Simplified Chinese (Django's newest admin texts; django-auditlog, django-filter and
django-two-factor-auth have no zh_Hans). Listed here only so that makemessages puts them in
locale/zh_Hans, whose translations then serve every app; nothing imports this module."""

from django.utils.translation import gettext_noop

VENDOR_TEXTS = [
    # Django's admin (5.x): the app list's table, for screen readers.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-auditlog: the change history.
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("action"),
    gettext_noop("actor"),
    gettext_noop("content type"),
    gettext_noop("object pk"),
    gettext_noop("object id"),
    gettext_noop("object representation"),
    gettext_noop("change message"),
    gettext_noop("Correlation ID"),
    gettext_noop("remote address"),
    gettext_noop("remote port"),
    gettext_noop("timestamp"),
    gettext_noop("additional data"),
    gettext_noop("actor email"),
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("Created {repr:s}"),
    gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"),
    gettext_noop("Logged {repr:s}"),
    gettext_noop("Changes"),
    gettext_noop("Created"),
    gettext_noop("User"),
    gettext_noop("Resource"),
    gettext_noop("Resource Type"),
    gettext_noop("Audit log: %s"),
    gettext_noop("Audit log"),
    gettext_noop("View"),
    gettext_noop("Field"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("No field changes"),
    gettext_noop("No log entries found."),
    gettext_noop("system"),
    gettext_noop("Click to filter by records with this correlation id"),
    # django-two-factor-auth: the sign-in wizard's buttons.
    gettext_noop("Back"),
    gettext_noop("Next"),
]
