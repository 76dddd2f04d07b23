import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from people.consent import consent_in_force, consent_record
from people.models import Consent, Person
from recognition.faces import enrolment
from recognition.faces.engine import get_engine
from recognition.models import FacePhoto

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


class Command(BaseCommand):
    help = (
        "Enrol a folder with one sub-folder per person (the folder name is the person's "
        "name); prints a JSON summary of enrolled and rejected photos with reasons."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument(
            "--consent",
            required=True,
            metavar="REFERENCE",
            help="Where the signed consent forms of these people are kept (e.g. 'HR file "
            "2026-12'): recorded, with the current consent wording, for each person who has "
            "no consent in force. Only enrol people who signed.",
        )

    def handle(self, *args, folder: str, consent: str, **options):
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        engine = get_engine()
        people = 0
        enrolled: list[dict[str, object]] = []
        rejected: list[dict[str, object]] = []
        for person_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            first, _, last = person_dir.name.replace("_", " ").partition(" ")
            person = Person.objects.filter(first_name=first, last_name=last).first()
            person = person or Person.objects.create(first_name=first, last_name=last)
            if consent_in_force(person) is None:
                try:
                    consent_record(
                        person=person, method=Consent.Method.SIGNED_FORM, reference=consent
                    )
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from error
            people += 1
            for image in sorted(person_dir.iterdir()):
                if image.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                entry: dict[str, object] = {"person": person.full_name, "image": str(image)}
                try:
                    with transaction.atomic(), image.open("rb") as handle:
                        stored = enrolment.face_photo_store(
                            person=person, image=File(handle, name=image.name)
                        )
                except ValidationError as exc:
                    rejected.append(
                        {**entry, "reason": "unreadable", "message": " ".join(exc.messages)}
                    )
                    continue
                photo = enrolment.face_photo_enroll(photo_id=stored.pk, engine=engine)
                assert photo is not None  # stored just now, by this command
                entry["photo"] = photo.pk
                if photo.status == FacePhoto.Status.ENROLLED:
                    enrolled.append({**entry, "warning": photo.reason or None})
                else:
                    rejected.append({**entry, "reason": photo.reason_code, "message": photo.reason})
        summary = {"people": people, "enrolled": enrolled, "rejected": rejected}
        self.stdout.write(json.dumps(summary, indent=2))
