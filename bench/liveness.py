"""Liveness against presentation attacks built from the shared photos: APCER and BPCER.

Two defences are measured, each at its shipped setting:

- MiniFASNet, per frame (``FACE_LIVENESS_THRESHOLD``): a face scoring under the threshold is
  refused as a spoof (``spoof_suspected``). BPCER: bona fide faces refused. APCER: attack
  frames accepted.
- The head turn a gate may ask for (``Gate.liveness_turn``, ``recognition.kiosks.liveness``):
  an attack passes when ``TurnRule.frames`` of its frames moved ``FaceBox.nose_turn`` by
  ``TurnRule.needed`` to the side asked (chosen at random, as the kiosk does).

Bona fide: camera photos of real faces (DeepFace's unit photos, Silent-Face's live sample, a
sample of the LFW development set), each fitted into a 640x480 frame as a kiosk sends it.

Attacks (ISO/IEC 30107-3 style, one row per type):

- ``photo_over_socket``: the person's photo sent straight over the kiosk socket as frames (the
  attack measured on a stolen kiosk credential): frames identical to a bona fide photo.
- ``printed_photo``: the photo held up on paper, turned and tilted every way (a perspective
  warp of up to 45 degrees), slightly blurred, with paper's lower contrast and sensor noise.
- ``screen_replay``: the photo on a screen held up likewise: brighter, with moire stripes.
- ``recaptured_samples``: Silent-Face's two real recaptured spoofs (MiniFASNet only: a single
  frame each).
- ``photo_set``: the attacker holds several photos of the person and shows the one turned the
  way asked (for the turn: the share of LFW people with such a photo among their own).

The printed and screen attacks are simulated in software; a real print or screen re-captured
by a camera adds moire, glare and colour shifts that MiniFASNet is trained on, so its figures
here are a floor, not what a lab would measure. There is no live video offline: the turn's
BPCER (people who turned but were not seen to) needs recordings of real people at a kiosk.
``real_turns`` instead says how far the measure moves between real photos of one person.

    python bench/liveness.py [--people 120] [--tilts 8] [--seed 7]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys

import numpy as np
from _setup import FACES, ROOT, django_setup
from PIL import Image, ImageFilter

sys.path.insert(0, str(ROOT))
from tests.camera import camera_image, held_up  # one definition of a held-up photo


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def printed(frame: Image.Image, rng: random.Random) -> Image.Image:
    """Paper: softer, lower contrast, a little noise."""
    pixels = np.asarray(frame.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4))), float)
    pixels = 40 + pixels * rng.uniform(0.7, 0.85)
    pixels += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 4, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def on_screen(frame: Image.Image, rng: random.Random) -> Image.Image:
    """A screen: brighter, with the moire stripes of its pixel grid against the camera's."""
    pixels = np.asarray(frame, float) * rng.uniform(1.05, 1.2) + 10
    height, width = pixels.shape[:2]
    y, x = np.mgrid[0:height, 0:width]
    angle, period = rng.uniform(0, np.pi), rng.uniform(3, 7)
    stripes = np.sin((x * np.cos(angle) + y * np.sin(angle)) * 2 * np.pi / period)
    pixels += 8 * stripes[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def tilts(rng: random.Random, count: int) -> list[tuple[float, float, float]]:
    """(yaw, pitch, distance) of a picture held up and moved about."""
    return [
        (rng.uniform(-45, 45), rng.uniform(-20, 20), rng.uniform(1.2, 3.0)) for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=120, help="LFW people sampled")
    parser.add_argument("--tilts", type=int, default=8, help="frames per held-up attack")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    from recognition.faces.engine import get_engine
    from recognition.kiosks.liveness import (
        TurnDirection,
        TurnOutcome,
        TurnRule,
        turn_challenge_start,
    )
    from recognition.kiosks.passages import Agreement, Seen, Sighting

    engine = get_engine()
    rng = random.Random(args.seed)
    threshold = settings.FACE_LIVENESS_THRESHOLD
    rule = TurnRule()

    def reading(data: bytes) -> tuple[float | None, float | None]:
        """(liveness, nose_turn) of the frame's subject; (None, None) without a face."""
        seen = engine.read(data, check_liveness=True)
        if seen.face is None:
            return None, None
        return seen.liveness, seen.face.nose_turn()

    def turned(baseline: float | None, turns: list[float | None]) -> bool:
        """Whether the kiosk's challenge (``TurnChallenge``, the side drawn at random) sees
        these frames, a fifth of a second apart, turn; each face taken as the person's own
        (the attacker's best case)."""
        if baseline is None:
            return False
        agreement = Agreement(Seen.PERSON, 1, rule.frames, None, None, None, turn=baseline)
        direction = rng.choice(list(TurnDirection))
        challenge = turn_challenge_start(agreement, direction=direction, at=0.0, rule=rule)
        assert challenge is not None
        for number, turn in enumerate(turns, start=1):
            sighting = Sighting(
                at=number * 0.2, seen=Seen.PERSON, faces=1, person_id=1, candidate_id=1, turn=turn
            )
            outcome = challenge.observe(sighting)
            if outcome is not TurnOutcome.PENDING:
                return outcome is TurnOutcome.TURNED
        return False

    lfw = FACES / "lfw-dev"
    people = sorted(p for p in (lfw / "gallery").iterdir() if p.is_dir())
    people = rng.sample(people, min(args.people, len(people)))
    bona_fide_paths = [
        *sorted((FACES / "deepface-unit").glob("img*.jpg")),
        FACES / "silent-face-samples" / "image_T1.jpg",
        *(sorted(person.glob("*.jpg"))[0] for person in people),
    ]

    bona_fide: list[float] = []
    attacks: dict[str, dict[str, list[bool]]] = {
        kind: {"minifasnet": [], "turn": []}
        for kind in ("photo_over_socket", "printed_photo", "screen_replay")
    }
    for path in bona_fide_paths:
        frame = camera_image(path, fill=True)
        liveness, turn = reading(jpeg(frame))
        if liveness is None:
            continue
        bona_fide.append(liveness)
        # The same photo sent over the socket: MiniFASNet sees exactly the bona fide frame.
        attacks["photo_over_socket"]["minifasnet"].append(liveness >= threshold)
        attacks["photo_over_socket"]["turn"].append(turned(turn, [turn] * args.tilts))
        for kind, medium in (("printed_photo", printed), ("screen_replay", on_screen)):
            shown = medium(frame, rng)
            frames = [
                held_up(shown, yaw=y, pitch=p, distance=d) for y, p, d in tilts(rng, args.tilts)
            ]
            scores = [reading(data) for data in [jpeg(shown), *frames]]
            baseline = scores[0][1]
            livenesses = [s for s, _ in scores if s is not None]
            if not livenesses:
                continue
            attacks[kind]["minifasnet"].append(float(np.mean(livenesses)) >= threshold)
            attacks[kind]["turn"].append(turned(baseline, [t for _, t in scores[1:]]))

    samples = [FACES / "silent-face-samples" / f"image_F{n}.jpg" for n in (1, 2)]
    recaptured = [reading(jpeg(camera_image(p, fill=True)))[0] for p in samples]

    # Real photos of one person: how far the measure moves between them, and whether an
    # attacker holding them has one turned far enough from the frontal one either way.
    spreads, photo_set = [], []
    for person in people:
        photos = [
            *sorted(person.glob("*.jpg")),
            *sorted((lfw / "probes" / "known" / person.name).glob("*.jpg")),
        ]
        turns = [reading(jpeg(camera_image(p, fill=True)))[1] for p in photos]
        turns = [t for t in turns if t is not None]
        if len(turns) < 2:
            continue
        frontal = min(turns, key=abs)
        spreads.append(max(turns) - min(turns))
        # Each photo shown for as many frames as the rule counts.
        photo_set.append(turned(frontal, [t for t in turns for _ in range(rule.frames)]))

    def share(flags: list[bool]) -> float | None:
        return round(sum(flags) / len(flags), 3) if flags else None

    print(
        json.dumps(
            {
                "liveness_threshold": threshold,
                "turn_rule": {
                    "needed": rule.needed,
                    "frames": rule.frames,
                    "seconds": rule.seconds,
                },
                "bona_fide": {
                    "faces": len(bona_fide),
                    "minifasnet_bpcer": share([s < threshold for s in bona_fide]),
                    "turn_bpcer": None,
                    "turn_bpcer_why_none": "needs live recordings of people turning at a kiosk",
                },
                "attacks": {
                    **{
                        kind: {
                            "presentations": len(flags["minifasnet"]),
                            "minifasnet_apcer": share(flags["minifasnet"]),
                            "turn_apcer": share(flags["turn"]),
                        }
                        for kind, flags in attacks.items()
                    },
                    "recaptured_samples": {
                        "presentations": len(recaptured),
                        "minifasnet_apcer": share(
                            [s is not None and s >= threshold for s in recaptured]
                        ),
                        "turn_apcer": None,
                    },
                    "photo_set": {"presentations": len(photo_set), "turn_apcer": share(photo_set)},
                },
                "real_turns": {
                    "people": len(spreads),
                    "nose_turn_spread_p50": round(float(np.median(spreads)), 3)
                    if spreads
                    else None,
                    "share_spanning_needed": share([s >= rule.needed for s in spreads]),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
