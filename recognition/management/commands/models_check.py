import json

import cv2
from django.conf import settings
from django.core.management.base import BaseCommand

from recognition.faces.weights import (
    RECOGNIZERS,
    models_status,
    opencv_distributions,
    recognizer_status,
)


class Command(BaseCommand):
    help = (
        "Say which face models are usable here and, for each one that is not, why: those the "
        "settings choose, then the other recognition networks ACCESSPORTAL_FACE_MODEL can name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        in_use = models_status(
            models_dir=settings.FACE_MODELS_DIR,
            backend=settings.FACE_ENGINE_BACKEND,
            detector=settings.FACE_DETECTOR,
            model=settings.FACE_MODEL,
        )
        others = [
            recognizer_status(
                models_dir=settings.FACE_MODELS_DIR,
                backend=settings.FACE_ENGINE_BACKEND,
                model=model,
            )
            for model in RECOGNIZERS
            if model != settings.FACE_MODEL
        ]
        distributions = opencv_distributions()
        opencv = {"cv2": cv2.__version__, "distributions": distributions}
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "in_use": [c.__dict__ for c in in_use],
                        "other_recognizers": [c.__dict__ for c in others],
                        "opencv": opencv,
                    },
                    indent=2,
                )
            )
            return
        for capability in in_use:
            self.stdout.write(f"{self._mark(capability)} {capability.name}: {capability.detail}")
        installed = ", ".join(f"{k} {v}" for k, v in distributions.items())
        self.stdout.write(f"OpenCV {opencv['cv2']} (installed: {installed})")
        self.stdout.write("Other recognition networks (ACCESSPORTAL_FACE_MODEL):")
        for capability in others:
            self.stdout.write(f"  {self._mark(capability)} {capability.name}: {capability.detail}")

    def _mark(self, capability):
        if capability.usable:
            return self.style.SUCCESS("usable    ")
        return self.style.ERROR("NOT usable")
