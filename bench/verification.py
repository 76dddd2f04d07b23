"""Pass first, then the face (1:1) against the face alone (1:N), on shared/faces/lfw-dev.

    python bench/verification.py

Every photo is read by the product's engine as a photo (``bench/openset.py``'s reading); the
150 people are enrolled from their gallery photos (the enrolment gates applied), and the
gallery's own functions answer: ``identify`` (1:N, the shipped threshold and margin) and
``verify`` (1:1, ``FACE_VERIFY_THRESHOLD``). Prints JSON:

- ``one_to_many``: strangers named as someone (FPIR) and known people named right (TPIR);
- ``one_to_one``: each known photo showing its own person's pass (genuine: accepted, TAR);
  every stranger showing every enrolled person's pass (impostor attempts: FAR); each stranger
  showing the pass of the enrolled person they look most like (the worst case: an attacker
  who picked the badge to steal), and each known person showing every *other* enrolled
  person's pass (colleagues swapping badges);
- ``sweep``: both modes at thresholds from the shipped one up (``--thresholds``), to see
  whether a 1:1 check could run at a looser threshold: per attempt with a random pass it
  could, but not against someone who picks the pass of the person they look most like.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _setup import django_setup
from openset import photo_sets, read_all


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", default="0.50,0.55,0.60,0.65")
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    from recognition.faces.engine import EngineConfig, FaceEngine
    from recognition.faces.gallery import GalleryData, identify, verify

    engine = FaceEngine(EngineConfig.from_settings())
    readings, people_ids, _ = read_all(engine, photo_sets())
    metric, template = settings.FACE_DISTANCE_METRIC, settings.FACE_GALLERY_TEMPLATE
    data = GalleryData.build(
        np.array(people_ids["gallery"]),
        np.stack(readings["gallery_enrolled"]),
        metric,
        template,
    )
    threshold, margin = settings.FACE_MATCH_THRESHOLD, settings.FACE_MATCH_MARGIN
    verify_threshold = settings.FACE_VERIFY_THRESHOLD
    people = [int(p) for p in data.people]
    known = [
        (e, p) for e, p in zip(readings["known"], people_ids["known"], strict=True) if e is not None
    ]
    strangers = [e for e in readings["unknown"] if e is not None]

    named = [identify(data, e, threshold=threshold, margin=margin) for e, _ in known]
    strangers_named = sum(
        1 for e in strangers if identify(data, e, threshold=threshold, margin=margin).person_id
    )

    def accepted(embedding, person: int) -> bool:
        return (
            verify(data, embedding, person_id=person, threshold=verify_threshold).person_id
            == person
        )

    genuine = sum(1 for e, p in known if accepted(e, p))
    impostor = sum(1 for e in strangers for p in people if accepted(e, p))
    nearest = sum(
        1
        for e in strangers
        if accepted(e, identify(data, e, threshold=float("inf"), margin=0).candidate_id)
    )
    swapped = sum(1 for e, own in known for p in people if p != own and accepted(e, p))
    swaps = len(known) * (len(people) - 1)

    def sweep_point(limit: float) -> dict:
        def one_to_one(embedding, person: int) -> bool:
            return verify(data, embedding, person_id=person, threshold=limit).person_id == person

        def one_to_many(embedding) -> int | None:
            return identify(data, embedding, threshold=limit, margin=margin).person_id

        return {
            "threshold": limit,
            "one_to_many_tpir": round(
                sum(1 for e, p in known if one_to_many(e) == p) / len(known), 4
            ),
            "one_to_many_fpir": round(
                sum(1 for e in strangers if one_to_many(e) is not None) / len(strangers), 4
            ),
            "one_to_one_tar": round(sum(1 for e, p in known if one_to_one(e, p)) / len(known), 4),
            "one_to_one_far": round(
                sum(1 for e in strangers for p in people if one_to_one(e, p))
                / (len(strangers) * len(people)),
                6,
            ),
            "one_to_one_nearest_far": round(
                sum(
                    1
                    for e in strangers
                    if one_to_one(
                        e, identify(data, e, threshold=float("inf"), margin=0).candidate_id
                    )
                )
                / len(strangers),
                4,
            ),
        }

    sweep = [sweep_point(float(t)) for t in args.thresholds.split(",")]
    print(
        json.dumps(
            {
                "model": engine.model_name,
                "metric": metric,
                "template": template,
                "enrolled_people": len(people),
                "one_to_many": {
                    "threshold": threshold,
                    "margin": margin,
                    "known_probes": len(known),
                    "tpir": round(
                        sum(1 for m, (_, p) in zip(named, known, strict=True) if m.person_id == p)
                        / len(known),
                        4,
                    ),
                    "strangers": len(strangers),
                    "strangers_named": strangers_named,
                    "fpir": round(strangers_named / len(strangers), 4),
                },
                "one_to_one": {
                    "threshold": verify_threshold,
                    "genuine_attempts": len(known),
                    "tar": round(genuine / len(known), 4),
                    "impostor_attempts": len(strangers) * len(people),
                    "impostors_accepted": impostor,
                    "far": round(impostor / (len(strangers) * len(people)), 6),
                    "strangers_with_the_nearest_persons_pass": len(strangers),
                    "nearest_accepted": nearest,
                    "nearest_far": round(nearest / len(strangers), 4),
                    "colleagues_with_anothers_pass": swaps,
                    "colleagues_accepted": swapped,
                    "swap_far": round(swapped / swaps, 6),
                },
                "sweep": sweep,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
