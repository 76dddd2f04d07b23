"""Open-set identification on shared/faces/lfw-dev, through the product's engine.

    python bench/openset.py [--models SFace,Dlib] [--kiosk-strangers 200] [--kiosk-known 100]

lfw-dev: 150 people enrolled from 3 photos each (``gallery/``), 402+ other photos of them
(``probes/known/``) and 1,000 strangers (``probes/unknown/``). For each recognition model
(Dlib only where dlib is installed), every photo is read by the engine as the product reads a
photo (``FaceEngine.read(photo=True)``), gallery photos pass the enrolment quality gates
(``recognition.faces.enrolment.enrolment_rejection``), and probes are matched by the gallery's own
``identify`` with each way of combining a person's photos (``mean`` template, ``best`` photo).

Prints JSON per model and template:

- ``tpir_at_fpir``: the share of known probes named right (TPIR) when the threshold lets
  through at most 0.1%, 0.3% and 1% of strangers (FPIR), and that threshold;
- ``shipped``: the shipped threshold and margin: strangers named, known probes named right,
  named wrong and not named;
- ``gallery_size``: how the shipped setting moves with more people enrolled (the first 250
  and 500 strangers enrolled as extra people, one photo each; the other 500 are the probes);
- ``enrolment``: photos without a face at the photo score and at the kiosk score, gallery
  photos rejected by reason, the quality gates' figures (sharpness, yaw) on real and blurred
  photos, and the duplicate-face warning (true duplicates flagged, false warnings);
- ``kiosk``: strangers and known people standing ``--seconds`` before a kiosk at 5 fps
  (frames made from their photo, jittered like a camera; standing still, or restless:
  identified on every frame), through the kiosk's own frame analysis and passage rules: how
  many strangers get named, with the agreed frames' evidence
  judged together (shipped) and frame by frame (before), and how many known people are named.
  The strangers taken are the ones nearest to somebody enrolled (the hardest). For the model
  in use (ACCESSPORTAL_FACE_MODEL) only.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
from _setup import FACES, django_setup, percentiles

LFW = FACES / "lfw-dev"
FPIR_TARGETS = (0.001, 0.003, 0.01)
BLUR_SIGMA = 2.5  # a photo out of focus


def photo_sets() -> dict[str, list[tuple[str, Path]]]:
    """(person or "", path) for gallery, known and unknown photos."""
    gallery = [(p.parent.name, p) for p in sorted((LFW / "gallery").glob("*/*.jpg"))]
    known = [(p.parent.name, p) for p in sorted((LFW / "probes" / "known").glob("*/*.jpg"))]
    unknown = [("", p) for p in sorted((LFW / "probes" / "unknown").glob("*.jpg"))]
    return {"gallery": gallery, "known": known, "unknown": unknown}


def blurred(path: Path) -> bytes:
    import cv2

    image = cv2.imread(str(path))
    image = cv2.GaussianBlur(image, (0, 0), BLUR_SIGMA)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def top_matches(data, embeddings: list) -> list:
    """Each probe's nearest person and distance, with no threshold and no margin."""
    from recognition.faces.gallery import identify

    return [
        identify(data, e, threshold=float("inf"), margin=0.0) if e is not None else None
        for e in embeddings
    ]


def threshold_for(unknown_distances: np.ndarray, fpir: float) -> float:
    """The largest threshold under which at most ``fpir`` of the strangers fall."""
    allowed = int(np.floor(fpir * len(unknown_distances)))
    ordered = np.sort(unknown_distances)
    return float(ordered[allowed]) if allowed < len(ordered) else float("inf")


def operating_point(known, known_people, unknown, *, threshold: float, margin: float) -> dict:
    def named(match) -> bool:
        return (
            match is not None
            and match.distance < threshold
            and (match.margin is None or match.margin >= margin)
        )

    named_as = [m.candidate_id if named(m) else None for m in known]
    right = sum(1 for n, p in zip(named_as, known_people, strict=True) if n == p)
    wrong = sum(1 for n, p in zip(named_as, known_people, strict=True) if n not in (None, p))
    strangers = sum(1 for m in unknown if named(m))
    return {
        "threshold": round(threshold, 4),
        "margin": margin,
        "known_probes": len(known),
        "known_named_right": right,
        "known_named_wrong": wrong,
        "known_not_named": len(known) - right - wrong,
        "tpir": round(right / len(known), 4),
        "strangers": len(unknown),
        "strangers_named": strangers,
        "fpir": round(strangers / len(unknown), 4),
    }


def evaluate(readings, people_ids, *, metric, template, threshold, margin) -> dict:
    from recognition.faces.gallery import GalleryData

    gallery_ids, gallery_vectors = people_ids["gallery"], readings["gallery_enrolled"]
    data = GalleryData.build(np.array(gallery_ids), np.stack(gallery_vectors), metric, template)
    known = top_matches(data, readings["known"])
    unknown = top_matches(data, readings["unknown"])
    unknown_distances = np.array([m.distance if m else np.inf for m in unknown])
    result: dict = {
        "rank1": round(
            sum(
                1
                for m, p in zip(known, people_ids["known"], strict=True)
                if m and m.candidate_id == p
            )
            / len(known),
            4,
        )
    }
    result["tpir_at_fpir"] = {
        f"{fpir:.1%}": operating_point(
            known,
            people_ids["known"],
            unknown,
            threshold=threshold_for(unknown_distances, fpir),
            margin=0.0,
        )
        for fpir in FPIR_TARGETS
    }
    result["shipped"] = operating_point(
        known, people_ids["known"], unknown, threshold=threshold, margin=margin
    )
    # More people enrolled: strangers 0..k-1 join the gallery (one photo each), strangers
    # 500..999 stay strangers.
    sizes = {}
    probes = readings["unknown"][500:]
    for extra in (0, 250, 500):
        added = [
            (10_000 + i, e) for i, e in enumerate(readings["unknown"][:extra]) if e is not None
        ]
        ids = np.array(gallery_ids + [i for i, _ in added])
        vectors = np.stack(gallery_vectors + [e for _, e in added])
        bigger = GalleryData.build(ids, vectors, metric, template)
        sizes[str(len(bigger.people))] = operating_point(
            top_matches(bigger, readings["known"]),
            people_ids["known"],
            top_matches(bigger, probes),
            threshold=threshold,
            margin=margin,
        )
    result["gallery_size"] = {
        people: {k: v[k] for k in ("strangers", "strangers_named", "fpir", "tpir")}
        for people, v in sizes.items()
    }
    return result


def read_all(engine, sets) -> tuple[dict, dict, dict]:
    """Every photo through the engine, as the product reads photos; the gallery through the
    enrolment gates. Returns readings, person ids and enrolment figures."""
    from recognition.faces.enrolment import enrolment_rejection

    names = sorted({person for person, _ in sets["gallery"]})
    number = {name: i for i, name in enumerate(names)}
    readings: dict = {"gallery_enrolled": [], "known": [], "unknown": []}
    people_ids: dict = {"gallery": [], "known": []}
    rejected: Counter = Counter()
    gallery_readings = []
    started = time.perf_counter()
    for person, path in sets["gallery"]:
        reading = engine.read(path.read_bytes(), check_liveness=False, photo=True)
        gallery_readings.append(reading)
        rejection = enrolment_rejection(reading, min_face_px=engine.config.min_face_px)
        if rejection:
            rejected[rejection.code] += 1
            continue
        readings["gallery_enrolled"].append(reading.embedding)
        people_ids["gallery"].append(number[person])
    for kind in ("known", "unknown"):
        for person, path in sets[kind]:
            reading = engine.read(path.read_bytes(), check_liveness=False, photo=True)
            readings[kind].append(reading.embedding)
            if kind == "known":
                people_ids["known"].append(number[person])
    seconds = time.perf_counter() - started
    photos = sum(len(v) for v in sets.values())
    no_face = sum(1 for k in ("known", "unknown") for e in readings[k] if e is None)
    sharp = [r.sharpness for r in gallery_readings if r.sharpness is not None]
    yaws = [abs(r.yaw) for r in gallery_readings if r.yaw is not None]
    blurred_readings = [
        engine.read(blurred(path), check_liveness=False, photo=True) for _, path in sets["gallery"]
    ]
    blurred_sharp = [r.sharpness for r in blurred_readings if r.sharpness is not None]
    from recognition.faces.enrolment import MAX_YAW, MIN_SHARPNESS

    figures = {
        "photos": photos,
        "ms_per_photo": round(seconds * 1000 / photos, 1),
        "gallery_photos": len(sets["gallery"]),
        "gallery_rejected": dict(rejected),
        "probes_without_embedding": no_face,
        "sharpness_gate": {
            "min_sharpness": MIN_SHARPNESS,
            "real_photos": percentiles(sharp, (1, 5, 50), digits=1),
            "real_rejected": sum(1 for s in sharp if s < MIN_SHARPNESS),
            f"blurred_sigma_{BLUR_SIGMA}": percentiles(blurred_sharp, (50, 95, 99), digits=1),
            "blurred_rejected": sum(1 for s in blurred_sharp if s < MIN_SHARPNESS),
            "blurred_photos": len(blurred_sharp),
        },
        "yaw_gate": {
            "max_yaw": MAX_YAW,
            "real_photos_abs_yaw": percentiles(yaws, (50, 95, 99), digits=3),
            "real_rejected": sum(1 for y in yaws if y > MAX_YAW),
        },
    }
    return readings, people_ids, figures


def faces_found(engine, sets) -> dict:
    """Photos in which the detector finds no face, at the photo score and at the kiosk's."""
    from dataclasses import replace

    import cv2

    shipped = engine.config
    counts = {}
    for label, score in (
        ("photo_score", shipped.photo_detector_score),
        ("kiosk_score", shipped.detector_score),
    ):
        engine.config = replace(shipped, photo_detector_score=score)
        missing = 0
        for _, path in (p for v in sets.values() for p in v):
            if not engine.detect(cv2.imread(str(path)), photo=True):
                missing += 1
        counts[label] = {"score": score, "photos_without_face": missing}
    engine.config = shipped
    return counts


def duplicate_warnings(readings, people_ids, *, metric, template, threshold) -> dict:
    """The enrolment warning "this face resembles someone else" (margin 0 at the match
    threshold): a known probe enrolled under a new name should be flagged; a gallery photo
    compared with everyone but its own person should not."""
    from recognition.faces.gallery import GalleryData, identify

    ids = np.array(people_ids["gallery"])
    vectors = np.stack(readings["gallery_enrolled"])
    data = GalleryData.build(ids, vectors, metric, template)
    flagged = sum(
        1
        for e, p in zip(readings["known"], people_ids["known"], strict=True)
        if e is not None and identify(data, e, threshold=threshold, margin=0.0).person_id == p
    )
    false_warnings = 0
    for person in np.unique(ids):
        others = GalleryData.build(ids[ids != person], vectors[ids != person], metric, template)
        for vector in vectors[ids == person]:
            if identify(others, vector, threshold=threshold, margin=0.0).person_id is not None:
                false_warnings += 1
    return {
        "duplicates_tried": len(readings["known"]),
        "duplicates_flagged": flagged,
        "gallery_photos_tried": len(vectors),
        "false_warnings": false_warnings,
    }


def camera_frames(path: Path, count: int, rng, *, restless: bool) -> list[bytes]:
    """``count`` 640x480 frames of one photo as a camera would see a person standing still
    (a few pixels of sway) or restless (moving about), with light and noise changing."""
    from PIL import Image, ImageEnhance

    frames = []
    with Image.open(path) as photo:
        photo = photo.convert("RGB")
        for _ in range(count):
            sway = 40 if restless else 4
            scale = rng.uniform(1.55, 1.75)
            face = photo.resize((round(photo.width * scale), round(photo.height * scale)))
            face = ImageEnhance.Brightness(face).enhance(rng.uniform(0.85, 1.15))
            frame = Image.new("RGB", (640, 480), (90, 90, 90))
            x = (640 - face.width) // 2 + int(rng.integers(-sway, sway + 1))
            y = (480 - face.height) // 2 + int(rng.integers(-sway // 2, sway // 2 + 1))
            frame.paste(face, (x, y))
            pixels = np.asarray(frame, dtype=np.int16) + rng.normal(0, 3, (480, 640, 3))
            frame = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            buffer = io.BytesIO()
            frame.save(buffer, "JPEG", quality=int(rng.integers(75, 91)))
            frames.append(buffer.getvalue())
    return frames


def kiosk_stands(engine, data, paths, people, *, seconds, fps, restless, threshold, margin) -> dict:
    """Each person stands before a kiosk for ``seconds``: the kiosk's own analysis of each
    frame (recognition.kiosks.analyzers.frame_sighting) and passage rules (PassageTracker), with the
    agreed frames judged together (shipped) and, on the same sightings, frame by frame."""
    from dataclasses import replace

    from recognition.faces.gallery import identify
    from recognition.kiosks.analyzers import frame_sighting
    from recognition.kiosks.passages import Seen, kiosk_passage_tracker

    def matcher(embedding):
        return identify(data, embedding, threshold=threshold, margin=margin)

    def new_tracker(*, together: bool):
        """The kiosk's own tracker; without ``together``, frames are only judged one by one."""
        made = kiosk_passage_tracker(max_mean_distance=threshold)
        if not together:
            made.rule = replace(made.rule, max_mean_distance=None)
        return made

    rules = {"together": True, "frame_by_frame": False}
    rng = np.random.default_rng(11)
    outcome = {name: Counter() for name in rules}
    frames_identified = frames_named = 0
    count = round(seconds * fps)
    for path, person in zip(paths, people, strict=True):
        frames = camera_frames(path, count, rng, restless=restless)
        trackers = {name: new_tracker(together=together) for name, together in rules.items()}
        named = {name: set() for name in rules}
        for index, frame in enumerate(frames):
            at = index / fps
            # The shipped tracker decides which frames are identified (still_box: a face that
            # has not moved is not identified again for a while); the other tracker sees the
            # same sightings. A restless person is identified on every frame (worst case).
            sighting = frame_sighting(
                frame,
                at=at,
                check_liveness=False,
                still_at=None if restless else trackers["together"].still_box(at),
                engine=engine,
                matcher=matcher,
            )
            if sighting.opinion is not None:
                frames_identified += 1
                frames_named += sighting.seen is Seen.PERSON
            for name, tracker in trackers.items():
                agreement = tracker.observe(sighting)
                if agreement is not None and agreement.seen is Seen.PERSON:
                    named[name].add(agreement.person_id)
        for name in rules:
            if not named[name]:
                outcome[name]["not_named"] += 1
            elif person is not None and named[name] == {person}:
                outcome[name]["named_right"] += 1
            else:
                outcome[name]["named_wrong_or_stranger_named"] += 1
    return {
        "people": len(paths),
        "frames_each": count,
        "frames_identified": frames_identified,
        "frames_naming_someone": frames_named,
        **{name: dict(counter) for name, counter in outcome.items()},
    }


def kiosk_figures(engine, readings, people_ids, sets, *, metric, template, threshold, margin, args):
    from recognition.faces.gallery import GalleryData

    data = GalleryData.build(
        np.array(people_ids["gallery"]), np.stack(readings["gallery_enrolled"]), metric, template
    )
    unknown = top_matches(data, readings["unknown"])
    hardest = sorted(
        (i for i, m in enumerate(unknown) if m is not None), key=lambda i: unknown[i].distance
    )[: args.kiosk_strangers]
    stranger_paths = [sets["unknown"][i][1] for i in hardest]
    step = max(1, len(sets["known"]) // max(1, args.kiosk_known))
    known_index = list(range(0, len(sets["known"]), step))[: args.kiosk_known]
    known_paths = [sets["known"][i][1] for i in known_index]
    known_people = [people_ids["known"][i] for i in known_index]
    result = {"seconds": args.seconds, "fps": args.fps}
    for behaviour, restless in (("standing_still", False), ("restless", True)):
        result[behaviour] = {
            "strangers_nearest_to_someone": kiosk_stands(
                engine,
                data,
                stranger_paths,
                [None] * len(stranger_paths),
                seconds=args.seconds,
                fps=args.fps,
                restless=restless,
                threshold=threshold,
                margin=margin,
            ),
            "known_people": kiosk_stands(
                engine,
                data,
                known_paths,
                known_people,
                seconds=args.seconds,
                fps=args.fps,
                restless=restless,
                threshold=threshold,
                margin=margin,
            ),
        }
    return result


def model_figures(model: str, args, sets) -> dict:
    from django.conf import settings

    from recognition.faces.engine import EngineConfig, FaceEngine

    config = EngineConfig.from_settings()
    from dataclasses import replace

    engine = FaceEngine(replace(config, model=model, liveness=False))
    metric = next(iter(settings.FACE_MATCH_DEFAULTS[model]))
    threshold, margin = settings.FACE_MATCH_DEFAULTS[model][metric]
    if model == settings.FACE_MODEL:
        metric = settings.FACE_DISTANCE_METRIC
        threshold, margin = settings.FACE_MATCH_THRESHOLD, settings.FACE_MATCH_MARGIN
    readings, people_ids, enrolment = read_all(engine, sets)
    enrolment["detection"] = faces_found(engine, sets)
    enrolment["duplicate_warning"] = duplicate_warnings(
        readings,
        people_ids,
        metric=metric,
        template=settings.FACE_GALLERY_TEMPLATE,
        threshold=threshold,
    )
    result = {
        "embedding": engine.model_name,
        "detector": engine.detector_name,
        "metric": metric,
        "calibrated": model in settings.FACE_MATCH_CALIBRATED,
        "templates": {
            template: evaluate(
                readings,
                people_ids,
                metric=metric,
                template=template,
                threshold=threshold,
                margin=margin,
            )
            for template in ("mean", "best")
        },
        "shipped_template": settings.FACE_GALLERY_TEMPLATE,
        "enrolment": enrolment,
    }
    if (args.kiosk_strangers or args.kiosk_known) and model == settings.FACE_MODEL:
        kiosk_threshold = threshold if args.kiosk_threshold is None else args.kiosk_threshold
        result["kiosk"] = {
            "threshold": kiosk_threshold,
            **kiosk_figures(
                engine,
                readings,
                people_ids,
                sets,
                metric=metric,
                template=settings.FACE_GALLERY_TEMPLATE,
                threshold=kiosk_threshold,
                margin=margin,
                args=args,
            ),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="", help="default: SFace, and Dlib where installed")
    parser.add_argument("--kiosk-strangers", type=int, default=200)
    parser.add_argument("--kiosk-known", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument(
        "--kiosk-threshold",
        type=float,
        default=None,
        help="the kiosk runs at this threshold instead of the shipped one (to see how the "
        "frames judged together compare with frame by frame where frames do name strangers)",
    )
    args = parser.parse_args()
    django_setup()
    import importlib.util

    models = [m for m in args.models.split(",") if m] or ["SFace"] + (
        ["Dlib"] if importlib.util.find_spec("dlib") else []
    )
    sets = photo_sets()
    output = {
        "set": str(LFW),
        "gallery_people": len({p for p, _ in sets["gallery"]}),
        "gallery_photos": len(sets["gallery"]),
        "known_probes": len(sets["known"]),
        "strangers": len(sets["unknown"]),
        "models": {},
    }
    for model in models:
        started = time.perf_counter()
        output["models"][model] = model_figures(model, args, sets)
        output["models"][model]["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(output, indent=2))


if __name__ == "__main__":
    main()
