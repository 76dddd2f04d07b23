"""Dates and times in Simplified Chinese pages: the same, every time with its zone."""

from accessportal.formats.en.formats import (  # noqa: F401 (Django reads them from here)
    DATE_FORMAT,
    DATETIME_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
)
