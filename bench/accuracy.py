"""Accuracy on the 280 labelled pairs of shared/faces/deepface-unit (1:1 verification), at
the shipped threshold, for the recognizer in use and, where dlib is installed, the older Dlib
chain beside it; and DeepFace's own out-of-the-box Dlib pipeline where dlib is installed.

    python bench/accuracy.py [--models SFace,Dlib]     # prints JSON

The shipped thresholds are set for open-set identification (bench/openset.py), stricter than
a 1:1 threshold needs to be; ``best_threshold_on_these_pairs`` shows the 1:1 optimum.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from dataclasses import replace

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


def model_figures(model: str, pairs, images) -> dict:
    from django.conf import settings

    from recognition.faces.engine import EngineConfig, FaceEngine
    from recognition.faces.gallery import pair_distance

    engine = FaceEngine(replace(EngineConfig.from_settings(), model=model, liveness=False))
    metric, (threshold, _) = next(iter(settings.FACE_MATCH_DEFAULTS[model].items()))
    folder = FACES / "deepface-unit"
    started = time.perf_counter()
    photos = {
        name: engine.read((folder / name).read_bytes(), check_liveness=False, photo=True).embedding
        for name in images
    }
    seconds = time.perf_counter() - started
    # The same photos as a kiosk sends them (fitted into 640x480, JPEG), read on the kiosk's
    # path: faces from the presence check's reduced decode, then aligned at full size.
    frames = {}
    for name in images:
        frame = camera_jpeg(folder / name)
        reading = engine.read(frame, check_liveness=False, presence=engine.detect_faces(frame))
        frames[name] = reading.embedding

    def distances(embeddings) -> dict[tuple[str, str], float]:
        return {
            (a, b): pair_distance(embeddings[a], embeddings[b], metric)
            if embeddings[a] is not None and embeddings[b] is not None
            else 9.0
            for a, b, _ in pairs
        }

    high = 1.0 if metric == "cosine" else 1.2
    return {
        "embedding": engine.model_name,
        "metric": metric,
        "shipped": score(distances(photos), pairs, threshold),
        "best_threshold_on_these_pairs": sweep(distances(photos), pairs, 0.0, high),
        "as_kiosk_frames_at_shipped_threshold": score(distances(frames), pairs, threshold),
        "images_without_face": sorted(n for n, e in photos.items() if e is None),
        "frames_without_face": sorted(n for n, e in frames.items() if e is None),
        "ms_per_image": round(seconds * 1000 / len(images), 1),
    }


def deepface_out_of_the_box(pairs, images) -> dict:
    """DeepFace.represent(model_name='Dlib', detector_backend='yunet'), cosine, its threshold."""
    from deepface import DeepFace
    from deepface.modules.verification import find_threshold

    folder = FACES / "deepface-unit"
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
    seconds = time.perf_counter() - started

    def cosine(a, b):
        return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    distances = {(a, b): cosine(theirs[a], theirs[b]) for a, b, _ in pairs}
    return {
        "pipeline": "DeepFace.represent(model_name='Dlib', detector_backend='yunet')",
        "metric": "cosine",
        "shipped": score(distances, pairs, float(find_threshold("Dlib", "cosine"))),
        "best_threshold_on_these_pairs": sweep(distances, pairs, 0.01, 0.2),
        "ms_per_image": round(seconds * 1000 / len(images), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="", help="default: SFace, and Dlib where installed")
    args = parser.parse_args()
    django_setup()
    with_dlib = bool(importlib.util.find_spec("dlib"))
    models = [m for m in args.models.split(",") if m] or ["SFace"] + (["Dlib"] if with_dlib else [])
    pairs = labelled_pairs()
    images = sorted({name for a, b, _ in pairs for name in (a, b)})
    result: dict = {
        "pairs": len(pairs),
        "same_person_pairs": sum(1 for *_, same in pairs if same),
        "images": len(images),
        "models": {model: model_figures(model, pairs, images) for model in models},
    }
    if with_dlib:
        result["deepface_out_of_the_box"] = deepface_out_of_the_box(pairs, images)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
