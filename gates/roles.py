"""The operator roles, by the names of the Django groups a migration creates."""

MANAGERS = "Managers"
AUDITORS = "Auditors"
SECURITY_DESK = "Security desk"
ALL = (MANAGERS, AUDITORS, SECURITY_DESK)
