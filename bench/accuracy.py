"""Accuracy on the 280 labelled pairs of shared/faces/deepface-unit, at the shipped threshold,
beside DeepFace's own out-of-the-box pipeline (Dlib model, YuNet, its alignment, cosine).

    python bench/accuracy.py            # prints JSON
"""

from __future__ import annotations

import json
import time

import numpy as np
from _setup import FACES, camera_jpeg, django_setup, labelled_pairs


def score(distances: dict[tuple[str, str], float], pairs, threshold: float) -> dict:
    false_accepts = sum(1 for a, b, same in pairs if not same and distances[a, b] < threshold)
    false_rejects = sum(1 for a, b, same in pairs if same and distances[a, b] >= threshold)
    impostors = sum(1 for *_, same in pairs if not same)
    genuine = len(pairs) - impostors
    return {
        "threshold": round(threshold, 4),
        "accuracy": round(1 - (false_accepts + false_rejects) / len(pairs), 4),
        "false_accepts": false_accepts,
        "false_rejects": false_rejects,
        "false_accept_rate": round(false_accepts / impostors, 4),
        "false_reject_rate": round(false_rejects / genuine, 4),
    }


def sweep(distances, pairs, low: float, high: float, steps: int = 200) -> dict:
    """The threshold with the fewest errors, fewest false accepts breaking ties."""
    best = None
    for threshold in np.linspace(low, high, steps):
        result = score(distances, pairs, float(threshold))
        key = (result["false_accepts"] + result["false_rejects"], result["false_accepts"])
        if best is None or key < best[0]:
            best = (key, result)
    return best[1]


def main() -> None:
    django_setup()
    from deepface import DeepFace
    from django.conf import settings

    from recognition.engine import get_engine
    from recognition.gallery import pair_distance

    pairs = labelled_pairs()
    images = sorted({name for a, b, _ in pairs for name in (a, b)})
    folder = FACES / "deepface-unit"

    engine = get_engine()
    started = time.perf_counter()
    ours = {}
    for name in images:
        reading = engine.read((folder / name).read_bytes(), check_liveness=False)
        ours[name] = reading.embedding
    ours_seconds = time.perf_counter() - started
    missing = [n for n, e in ours.items() if e is None]

    # The same photos as a kiosk sends them (fitted into 640x480, JPEG), read on the kiosk's
    # path: faces from the presence check's reduced decode, then aligned at full size.
    as_frames = {}
    for name in images:
        frame = camera_jpeg(folder / name)
        reading = engine.read(frame, check_liveness=False, presence=engine.read_faces(frame))
        as_frames[name] = reading.embedding

    def our_distances(metric: str, embeddings=ours) -> dict[tuple[str, str], float]:
        return {
            (a, b): pair_distance(embeddings[a], embeddings[b], metric)
            if embeddings[a] is not None and embeddings[b] is not None
            else 9.0
            for a, b, _ in pairs
        }

    def calibrated(metric: str, low: float, high: float) -> dict:
        threshold = settings.FACE_MATCH_DEFAULTS["Dlib"][metric][0]
        return {
            "shipped": score(our_distances(metric), pairs, threshold),
            "best_threshold_on_these_pairs": sweep(our_distances(metric), pairs, low, high),
        }

    started = time.perf_counter()
    theirs = {}
    for name in images:
        faces = DeepFace.represent(
            img_path=str(folder / name),
            model_name="Dlib",
            detector_backend="yunet",
            enforce_detection=False,
        )
        largest = max(faces, key=lambda f: f["facial_area"]["w"] * f["facial_area"]["h"])
        theirs[name] = np.asarray(largest["embedding"], dtype=np.float64)
    theirs_seconds = time.perf_counter() - started

    def cosine(a, b):
        return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    their_distances = {(a, b): cosine(theirs[a], theirs[b]) for a, b, _ in pairs}
    from deepface.modules.verification import find_threshold

    deepface_threshold = float(find_threshold("Dlib", "cosine"))

    print(
        json.dumps(
            {
                "pairs": len(pairs),
                "same_person_pairs": sum(1 for *_, same in pairs if same),
                "images": len(images),
                "accessportal": {
                    "pipeline": "YuNet, dlib 5-point face chip, Dlib ResNet via DeepFace",
                    "metric_in_use": settings.FACE_DISTANCE_METRIC,
                    "euclidean": calibrated("euclidean", 0.3, 0.8),
                    "cosine": calibrated("cosine", 0.02, 0.3),
                    "images_without_face": missing,
                    "seconds_for_all_images": round(ours_seconds, 2),
                    "as_kiosk_frames_at_shipped_thresholds": {
                        metric: score(
                            our_distances(metric, as_frames),
                            pairs,
                            settings.FACE_MATCH_DEFAULTS["Dlib"][metric][0],
                        )
                        for metric in ("euclidean", "cosine")
                    },
                },
                "deepface_out_of_the_box": {
                    "pipeline": "DeepFace.represent(model_name='Dlib', detector_backend='yunet')",
                    "metric": "cosine",
                    "shipped": score(their_distances, pairs, deepface_threshold),
                    "best_threshold_on_these_pairs": sweep(their_distances, pairs, 0.01, 0.2),
                    "seconds_for_all_images": round(theirs_seconds, 2),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
