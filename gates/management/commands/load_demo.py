from django.conf import settings
from django.core.management.base import BaseCommand

from gates.demo import DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo site, gates, schedules, people, rules and users (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        credentials = demo_load()
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write(f"Sign in at {settings.KIOSK_PUBLIC_URL}/admin/ with any of these users:")
        for username, role in DEMO_USERS.items():
            self.stdout.write(f"  {username:<8} {role or 'superuser'}")
        self.stdout.write(f"Password for all of them: {credentials.password}")
        if settings.SECOND_FACTOR_ROLES:
            self.stdout.write(
                "At the first sign-in, each sets up an authenticator app (scan the QR code, or "
                "type its secret into any TOTP app or password manager)."
            )
        if not credentials.created:
            self.stdout.write(
                "(kept from the first run; a password changed since then is not shown)"
            )
        self._demo_kiosk()

    def _demo_kiosk(self) -> None:
        """A kiosk at the main entrance; while it is unpaired (or was paired before device
        keys, so that it can no longer connect), a fresh pairing link each run."""
        from gates.models import Gate
        from recognition.kiosks.pairing import kiosk_pairing_link_new, pairing_url
        from recognition.models import Kiosk

        gate = Gate.objects.filter(slug="main-entrance").first()
        if gate is None:
            return
        kiosk, _ = Kiosk.objects.get_or_create(name="Main entrance tablet", defaults={"gate": gate})
        if kiosk.credential_hash and kiosk.device_key and not kiosk.revoked_at:
            self.stdout.write(f"Kiosk “{kiosk}” is paired (new links: admin, or kiosk_create).")
            return
        url = pairing_url(kiosk_pairing_link_new(kiosk=kiosk))
        self.stdout.write(f"Kiosk for the main entrance: open {url} on the tablet (once).")
