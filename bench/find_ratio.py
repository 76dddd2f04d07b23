"""The same identifications two ways, in one run: AccessPortal's engine and gallery, and
DeepFace.find (Dlib model, YuNet detector) over a folder holding the same gallery photos.

Gallery: the first photo of each of the 13 people in shared/faces/deepface-unit; probes: all
their other photos. Prints JSON: per-probe time (p50, p95) each way, the ratio, and how many
probes each got right (right person, or nobody when the best candidate is someone else).

    python bench/find_ratio.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _setup import FACES, django_setup, identities, percentiles


def main() -> None:
    django_setup()
    from deepface import DeepFace
    from django.conf import settings

    from recognition.faces.engine import get_engine
    from recognition.faces.gallery import GalleryData, identify

    folder = FACES / "deepface-unit"
    people = identities()
    gallery_photos = {person: photos[0] for person, photos in people.items()}
    probes = [(person, p) for person, photos in people.items() for p in photos[1:]]

    engine = get_engine()
    labels = sorted(gallery_photos)
    vectors = np.stack(
        [
            engine.read((folder / gallery_photos[p]).read_bytes(), check_liveness=False).embedding
            for p in labels
        ]
    )
    data = GalleryData.build(np.arange(len(labels)), vectors)
    ours_ms, ours_right = [], 0
    for person, photo in probes:
        started = time.perf_counter()
        reading = engine.read((folder / photo).read_bytes(), check_liveness=False)
        match = identify(
            data,
            reading.embedding,
            threshold=settings.FACE_MATCH_THRESHOLD,
            margin=settings.FACE_MATCH_MARGIN,
        )
        ours_ms.append((time.perf_counter() - started) * 1000)
        ours_right += match.person_id is not None and labels[match.person_id] == person

    db = Path(tempfile.mkdtemp(prefix="deepface-find-"))
    for person, photo in gallery_photos.items():
        (db / person).mkdir()
        shutil.copyfile(folder / photo, db / person / photo)
    options = {
        "db_path": str(db),
        "model_name": "Dlib",
        "detector_backend": "yunet",
        "enforce_detection": False,
        "silent": True,
    }
    started = time.perf_counter()
    DeepFace.find(img_path=str(folder / probes[0][1]), **options)  # builds its index
    index_ms = (time.perf_counter() - started) * 1000
    theirs_ms, theirs_right = [], 0
    for person, photo in probes:
        started = time.perf_counter()
        frames = DeepFace.find(img_path=str(folder / photo), **options)
        theirs_ms.append((time.perf_counter() - started) * 1000)
        hits = frames[0] if frames else None
        if hits is not None and len(hits):
            theirs_right += Path(hits.iloc[0]["identity"]).parent.name == person

    ours, theirs = percentiles(ours_ms), percentiles(theirs_ms)
    print(
        json.dumps(
            {
                "gallery_people": len(labels),
                "probes": len(probes),
                "accessportal": {"per_probe_ms": ours, "right": ours_right},
                "deepface_find": {
                    "per_probe_ms": theirs,
                    "right": theirs_right,
                    "index_build_ms": round(index_ms, 1),
                },
                "time_ratio_deepface_find_over_accessportal_p50": round(
                    theirs["p50"] / ours["p50"], 2
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
