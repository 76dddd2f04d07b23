"""Gallery search at 1,000, 10,000 and 100,000 enrolled people (one photo each), in a scratch
database: p95 per identification, memory, full load time, and the refresh time after one new
enrolment. Embeddings are random unit-scale 128-d vectors, encrypted as in production.

    python bench/gallery.py [--sizes 1000 10000 100000] [--probes 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
from _setup import django_setup, percentiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--probes", type=int, default=1000)
    args = parser.parse_args()
    django_setup(scratch_database=True)
    from django.conf import settings

    from people.models import Person
    from recognition.faces.crypto import embedding_encrypt
    from recognition.faces.gallery import Gallery
    from recognition.models import FacePhoto

    rng = np.random.default_rng(11)
    model = "bench-model"

    def enrol(count: int) -> None:
        for start in range(0, count, 5000):
            n = min(5000, count - start)
            people = Person.objects.bulk_create(
                Person(first_name="P", last_name=str(start + i)) for i in range(n)
            )
            vectors = rng.normal(0, 0.09, (n, 128)).astype(np.float32)
            FacePhoto.objects.bulk_create(
                FacePhoto(
                    person=p,
                    image=f"faces/bench-{p.pk}.jpg",
                    status="enrolled",
                    model_name=model,
                    embedding=embedding_encrypt(v),
                )
                for p, v in zip(people, vectors, strict=True)
            )

    results = []
    enrolled = 0
    for size in sorted(args.sizes):
        enrol(size - enrolled)
        enrolled = size
        gallery = Gallery(model)
        started = time.perf_counter()
        gallery.refresh_if_changed()
        full_load_ms = (time.perf_counter() - started) * 1000
        probes = rng.normal(0, 0.09, (args.probes, 128)).astype(np.float32)
        timings = []
        for probe in probes:
            started = time.perf_counter()
            gallery.identify(
                probe, threshold=settings.FACE_MATCH_THRESHOLD, margin=settings.FACE_MATCH_MARGIN
            )
            timings.append((time.perf_counter() - started) * 1000)
        enrol(1)
        enrolled += 1
        started = time.perf_counter()
        gallery.refresh_if_changed()
        refresh_ms = (time.perf_counter() - started) * 1000
        results.append(
            {
                "people": size,
                "identify_ms": percentiles(timings, digits=3),
                "identify_includes": "distances, per-person minimum; change check once a second",
                "matrix_mb": round(gallery._data.vectors.nbytes / 1e6, 1),
                "process_max_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
                "full_load_ms": round(full_load_ms, 1),
                "refresh_after_one_new_enrolment_ms": round(refresh_ms, 2),
            }
        )
    print(json.dumps({"galleries": results}, indent=2))


if __name__ == "__main__":
    main()
