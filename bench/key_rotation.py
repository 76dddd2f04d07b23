"""Time to re-encrypt all personal data at rest with a new key, while the data is being read.

    python bench/key_rotation.py [--people 150] [--reports 20]

In a scratch database: the demo data, then ``--people`` people each with a display photo and
three face photos (the lfw-dev gallery's real JPEGs, with random embeddings, all encrypted as
in production) and ``--reports`` report files. Then a new key goes first in the list and
``keys_rotate`` runs while a reader thread keeps opening photos and decrypting the gallery, as
kiosks and operators would. Prints JSON: items, seconds, items per second, reads done during
the rotation and reads that failed (target 0), and the ``--check`` result afterwards with the
old key removed.
"""

from __future__ import annotations

import argparse
import json
import threading

import numpy as np
from _setup import FACES, django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--reports", type=int, default=20)
    args = parser.parse_args()
    django_setup(scratch_database=True)
    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test import override_settings

    from accessportal.key_rotation import keys_use
    from gates.demo import demo_load
    from people.models import Person
    from recognition.faces.crypto import embedding_encrypt
    from recognition.faces.gallery import Gallery
    from recognition.models import FacePhoto, ReportExport

    demo_load()
    rng = np.random.default_rng(5)
    folders = sorted((FACES / "lfw-dev" / "gallery").iterdir())[: args.people]
    for index, folder in enumerate(folders):
        photos = sorted(folder.glob("*.jpg"))[:3]
        person = Person.objects.create(first_name=folder.name, last_name=str(index))
        person.photo.save("display.jpg", ContentFile(photos[0].read_bytes()), save=True)
        for path in photos:
            FacePhoto.objects.create(
                person=person,
                image=ContentFile(path.read_bytes(), name=path.name),
                embedding=embedding_encrypt(rng.normal(0, 0.09, 128).astype(np.float32)),
                status=FacePhoto.Status.ENROLLED,
                model_name="bench-model",
            )
    report_body = (
        b"Time,Gate,Person,Decision,Reason\n" + b"2026-12-04,Main,Someone,granted,\n" * 5000
    )
    for number in range(args.reports):
        export = ReportExport.objects.create(format="csv", status="done")
        export.file.save(f"report-{number}.csv", ContentFile(report_body), save=True)

    old = settings.BIOMETRIC_KEYS[0]
    new = Fernet.generate_key().decode()
    reads = {"done": 0, "failed": 0}
    rotating = threading.Event()
    finished = threading.Event()

    def reader() -> None:
        photo_ids = list(FacePhoto.objects.values_list("pk", flat=True))
        while not finished.is_set():
            try:
                gallery = Gallery("bench-model")
                gallery.refresh_if_changed()
                photo = FacePhoto.objects.get(pk=photo_ids[reads["done"] % len(photo_ids)])
                with photo.image.open("rb") as handle:
                    handle.read()
                if rotating.is_set():
                    reads["done"] += 1
            except Exception:  # every failure counts: the figure is how many there were
                reads["failed"] += 1
        connection.close()

    with override_settings(BIOMETRIC_KEYS=[new, old]):
        thread = threading.Thread(target=reader)
        thread.start()
        rotating.set()
        use = keys_use(rotate=True)
        finished.set()
        thread.join()
    with override_settings(BIOMETRIC_KEYS=[new]):
        after = keys_use(rotate=False)
    items = use.current + use.older + use.plain
    print(
        json.dumps(
            {
                "people": len(folders),
                "items": items,
                "rotated": use.rotated,
                "seconds": use.seconds,
                "items_per_second": round(items / use.seconds, 1) if use.seconds else None,
                "reads_during_rotation": reads["done"],
                "reads_failed": reads["failed"],
                "after_with_new_key_only": after.as_dict(),
                "database": connection.vendor,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
