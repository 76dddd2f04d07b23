"""Create a kiosk for a gate and print its one-time pairing URL.

python manage.py kiosk_create --gate main-entrance [--name "Lobby tablet"]
"""

from django.core.management.base import BaseCommand, CommandError

from gates.models import Gate
from recognition.kiosks.pairing import kiosk_create, pairing_url


class Command(BaseCommand):
    help = "Create a kiosk for a gate and print its one-time pairing URL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--gate", required=True, help="The gate's slug.")
        parser.add_argument("--name", default="", help='Default: "Kiosk at <gate>".')

    def handle(self, *args, gate: str, name: str, **options) -> None:
        found = Gate.objects.filter(slug=gate).first()
        if found is None:
            slugs = ", ".join(Gate.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No gate with slug {gate!r}. Gates: {slugs}.")
        kiosk, token = kiosk_create(gate=found, name=name)
        self.stderr.write(f"Kiosk {kiosk.pk} “{kiosk}” created for {found}. Open on the tablet:")
        self.stdout.write(pairing_url(token))
