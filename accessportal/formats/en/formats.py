"""Dates and times as the product shows them, in English: every time says its zone (an
auditor reconstructing an incident must never be an hour off), days are ISO dates."""

DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
