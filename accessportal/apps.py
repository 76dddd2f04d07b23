from django.apps import AppConfig


class AccessPortalConfig(AppConfig):
    """The project's own app: no tables; it connects the security alerts' receivers."""

    name = "accessportal"
    verbose_name = "AccessPortal"

    def ready(self) -> None:
        from accessportal.security_alerts import security_alert_receivers_connect

        security_alert_receivers_connect()
