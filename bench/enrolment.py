"""Enrolment throughput through a real Celery worker (filesystem broker, scratch database):
face photos uploaded and queued as the API does, enrolled by the worker process.

    python bench/enrolment.py [--photos 60] [--concurrency 2]

Prints JSON: photos, seconds from the first upload to the last decision, photos per second.
The worker's start and model loading are done before the clock starts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _setup import FACES, ROOT, django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    django_setup(scratch_database=True)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from people.consent import consent_record
    from people.models import Consent, Person
    from recognition.faces import enrolment
    from recognition.models import FacePhoto

    worker = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "accessportal",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(args.concurrency),
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        photos = sorted((FACES / "deepface-unit").glob("img*.jpg"))
        person = Person.objects.create(first_name="Warm", last_name="Up")
        consent_record(person=person, method=Consent.Method.SIGNED_FORM, reference="bench")

        def upload(path):
            with transaction.atomic():
                return enrolment.face_photo_create(
                    person=person, image=SimpleUploadedFile(path.name, path.read_bytes())
                )

        def wait_for_all(deadline_s: float) -> None:
            deadline = time.monotonic() + deadline_s
            while FacePhoto.objects.filter(status=FacePhoto.Status.PENDING).exists():
                if time.monotonic() > deadline:
                    raise SystemExit("the worker did not finish in time")
                time.sleep(0.05)

        for path in photos[: args.concurrency]:  # each worker process loads the models
            upload(path)
        wait_for_all(180)

        started = time.perf_counter()
        for i in range(args.photos):
            upload(photos[i % len(photos)])
        wait_for_all(600)
        seconds = time.perf_counter() - started
        measured = FacePhoto.objects.order_by("-id")[: args.photos]
        print(
            json.dumps(
                {
                    "photos": args.photos,
                    "worker_processes": args.concurrency,
                    "seconds": round(seconds, 2),
                    "photos_per_second": round(args.photos / seconds, 2),
                    "enrolled": sum(p.status == FacePhoto.Status.ENROLLED for p in measured),
                    "rejected": sum(p.status == FacePhoto.Status.REJECTED for p in measured),
                },
                indent=2,
            )
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
