import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from recognition.faces import identification
from recognition.faces.engine import ImageError, get_engine


class Command(BaseCommand):
    help = (
        "Identify the largest face in each image against everyone enrolled; one JSON line "
        "per image: image, person, distance, margin, liveness, reason, ms."
    )

    def add_arguments(self, parser):
        parser.add_argument("images", nargs="+")
        parser.add_argument("--no-liveness", action="store_true", help="skip the liveness check")

    def handle(self, *args, images: list[str], no_liveness: bool = False, **options):
        engine = get_engine()
        for image in images:
            started = time.perf_counter()
            line: dict = {
                "image": image,
                "person": None,
                "distance": None,
                "margin": None,
                "liveness": None,
            }
            try:
                result = identification.face_identify(
                    data=Path(image).read_bytes(),
                    engine=engine,
                    check_liveness=False if no_liveness else None,
                )
            except (OSError, ImageError) as exc:
                line["reason"] = "unreadable"
                line["error"] = str(exc)
            else:
                reading, match = result.reading, result.match
                line["liveness"] = None if reading.liveness is None else round(reading.liveness, 3)
                if match is not None:
                    line["distance"] = None if match.distance is None else round(match.distance, 4)
                    line["margin"] = None if match.margin is None else round(match.margin, 4)
                if result.person is not None:
                    line["person"] = result.person.full_name
                    line["person_id"] = result.person.pk
                line["reason"] = reading.problem or (match.reason if match else "no_face")
                if len(reading.faces) > 1:
                    line["other_faces"] = len(reading.faces) - 1
            line["ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.stdout.write(json.dumps(line))
