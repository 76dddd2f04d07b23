import json

from django.conf import settings
from django.core.management.base import BaseCommand

from recognition.model_files import models_status


class Command(BaseCommand):
    help = "Say which face models are usable here and, for each one that is not, why."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        status = models_status(
            models_dir=settings.FACE_MODELS_DIR,
            backend=settings.FACE_ENGINE_BACKEND,
            detector=settings.FACE_DETECTOR,
        )
        if options["json"]:
            self.stdout.write(json.dumps([c.__dict__ for c in status], indent=2))
            return
        for capability in status:
            mark = (
                self.style.SUCCESS("usable    ")
                if capability.usable
                else self.style.ERROR("NOT usable")
            )
            self.stdout.write(f"{mark} {capability.name}: {capability.detail}")
