from django.core.management.base import BaseCommand
from django.db import transaction

from recognition.faces.engine import model_name_in_use
from recognition.faces.enrolment import face_photos_reenroll


class Command(BaseCommand):
    help = (
        "Queue every face photo not enrolled with the current model for enrolment again "
        "(after a model change). The photos are kept; the worker recomputes their embeddings."
    )

    def handle(self, *args, **options):
        model_name = model_name_in_use()  # no engine is built here: the worker builds its own
        with transaction.atomic():
            count = face_photos_reenroll(model_name=model_name)
        self.stdout.write(f"{count} face photos queued for enrolment with {model_name}.")
