"""Identification against everyone enrolled, in memory.

The gallery is a matrix of embeddings with the person each belongs to. It follows enrolment
in every process without a restart: at most once per ``FACE_GALLERY_CHECK_SECONDS`` a
look-up compares a fingerprint of the enrolled photos (count and latest change) with the one
it was built from, and appends or reloads. Checking on every frame would cost a query that
grows with the gallery; a person deleted a moment ago is already gone from the database, so
a stale gallery entry can only ever name nobody.

A match needs the best person's distance under the threshold *and* the next person further
away by at least the margin. Otherwise the answer is "unknown": never "the nearest wins".
The threshold is set for open-set identification (strangers at the door), not for 1:1 pairs:
``bench/openset.py`` measures the share of strangers named and of enrolled people named right.

A person's photos count as one template (their mean) or each on its own (the nearest wins),
by ``FACE_GALLERY_TEMPLATE``. Distances are ``cosine`` (1 - cosine similarity) or
``euclidean``, by ``FACE_DISTANCE_METRIC``. Stored embeddings are the same for all of these:
switching needs no re-enrolment.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Max, QuerySet

from recognition.faces.crypto import embedding_decrypt
from recognition.models import FacePhoto

logger = logging.getLogger(__name__)


class MatchReason(enum.StrEnum):
    MATCH = "match"  # one person passes the threshold, clearly ahead of the next
    NO_MATCH = "no_match"  # nobody is near enough
    AMBIGUOUS = "ambiguous"  # the nearest two are too close to tell apart
    EMPTY_GALLERY = "empty_gallery"  # nobody is enrolled


@dataclass(frozen=True)
class Match:
    person_id: int | None
    distance: float | None  # to the best person (None: empty gallery)
    margin: float | None  # next person's distance minus the best one's (None: one person)
    reason: MatchReason
    candidate_id: int | None = None  # the nearest person, matched or not


METRICS = ("euclidean", "cosine")
TEMPLATES = ("mean", "best")


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1)


def pair_distance(a: np.ndarray, b: np.ndarray, metric: str) -> float:
    """The distance between two embeddings, as the gallery measures it."""
    if metric == "cosine":
        return float(1 - _unit(a) @ _unit(b))
    return float(np.linalg.norm(a - b))


@dataclass(frozen=True)
class GalleryData:
    """Everyone enrolled, as the matrix a probe is compared with.

    ``photo_vectors`` keeps each photo's embedding (at unit length with the cosine metric),
    sorted by person. What a probe is compared with (``vectors``) depends on ``template``:
    with "best", every photo (a person's distance is their nearest photo's); with "mean", one
    row a person, the mean of their photos (a template: one chance a person for a stranger to
    come close, and each photo's quirks averaged out).
    """

    vectors: np.ndarray  # (rows, d) float32: what a probe is compared with
    squared_norms: np.ndarray  # (rows,)
    starts: np.ndarray  # first row of each person in ``vectors``
    people: np.ndarray  # the person of each group of rows
    photo_person_ids: np.ndarray  # (n,) sorted, so each person's photos are contiguous
    photo_vectors: np.ndarray  # (n, d)
    metric: str = "euclidean"
    template: str = "best"

    @classmethod
    def build(
        cls,
        person_ids: np.ndarray,
        vectors: np.ndarray,
        metric: str = "euclidean",
        template: str = "best",
    ) -> GalleryData:
        if metric not in METRICS:
            raise ValueError(f"unknown distance metric {metric!r}; use one of {METRICS}")
        if template not in TEMPLATES:
            raise ValueError(f"unknown template {template!r}; use one of {TEMPLATES}")
        order = np.argsort(person_ids, kind="stable")
        vectors = _unit(vectors) if metric == "cosine" else vectors
        ids, photos = person_ids[order], np.ascontiguousarray(vectors[order], dtype=np.float32)
        people, starts = np.unique(ids, return_index=True)
        return cls._compared(ids, photos, people, starts, metric, template)

    @classmethod
    def _compared(
        cls,
        ids: np.ndarray,
        photos: np.ndarray,
        people: np.ndarray,
        starts: np.ndarray,
        metric: str,
        template: str,
    ) -> GalleryData:
        compared, compared_starts = photos, starts
        if template == "mean" and len(people):
            counts = np.diff(np.append(starts, len(ids)))
            compared = np.add.reduceat(photos, starts, axis=0) / counts[:, None]
            compared = _unit(compared) if metric == "cosine" else compared
            compared = np.ascontiguousarray(compared, dtype=np.float32)
            compared_starts = np.arange(len(people))
        return cls(
            compared,
            np.einsum("ij,ij->i", compared, compared),
            compared_starts,
            people,
            ids,
            photos,
            metric,
            template,
        )

    def appended(self, added: GalleryData) -> GalleryData:
        """This gallery with ``added`` after it. When every added person is new and sorts
        last (new people get larger ids: the usual enrolment), nothing is sorted or
        recomputed; the arrays are only extended. Otherwise the whole gallery is rebuilt."""
        if not len(self.people):
            return added
        if len(added.people) and added.people[0] <= self.people[-1]:
            ids = np.concatenate([self.photo_person_ids, added.photo_person_ids])
            order = np.argsort(ids, kind="stable")
            ids = ids[order]
            photos = np.concatenate([self.photo_vectors, added.photo_vectors])[order]
            people, starts = np.unique(ids, return_index=True)
            return GalleryData._compared(ids, photos, people, starts, self.metric, self.template)
        return GalleryData(
            np.concatenate([self.vectors, added.vectors]),
            np.concatenate([self.squared_norms, added.squared_norms]),
            np.concatenate([self.starts, added.starts + len(self.vectors)]),
            np.concatenate([self.people, added.people]),
            np.concatenate([self.photo_person_ids, added.photo_person_ids]),
            np.concatenate([self.photo_vectors, added.photo_vectors]),
            self.metric,
            self.template,
        )


def _squared_distances(data: GalleryData, embedding: np.ndarray, rows: slice) -> np.ndarray:
    """The probe's squared euclidean distance to each row of ``data.vectors`` in ``rows``."""
    probe = np.asarray(embedding, dtype=np.float32)
    if data.metric == "cosine":
        probe = _unit(probe)
    vectors = data.vectors[rows]
    squared = data.squared_norms[rows] - 2 * (vectors @ probe) + float(probe @ probe)
    clipped: np.ndarray = np.maximum(squared, 0)
    return clipped


def _as_distance(squared: np.ndarray, metric: str) -> np.ndarray:
    # Between unit vectors |a - b|² = 2 - 2 cos(a, b), so the cosine distance is half of it.
    distances: np.ndarray = squared / 2 if metric == "cosine" else np.sqrt(squared)
    return distances


def identify(data: GalleryData, embedding: np.ndarray, *, threshold: float, margin: float) -> Match:
    """1:N: who among everyone enrolled this face is, if anyone clearly."""
    if len(data.people) == 0:
        return Match(None, None, None, MatchReason.EMPTY_GALLERY)
    squared = _squared_distances(data, embedding, slice(None))
    per_person = _as_distance(np.minimum.reduceat(squared, data.starts), data.metric)
    if len(per_person) == 1:
        best, best_distance, gap = 0, float(per_person[0]), None
    else:
        two = np.argpartition(per_person, 1)[:2]
        best, second = (
            (two[0], two[1]) if per_person[two[0]] <= per_person[two[1]] else (two[1], two[0])
        )
        best_distance, gap = float(per_person[best]), float(per_person[second] - per_person[best])
    candidate = int(data.people[best])
    if best_distance >= threshold:
        return Match(None, best_distance, gap, MatchReason.NO_MATCH, candidate)
    if gap is not None and gap < margin:
        return Match(None, best_distance, gap, MatchReason.AMBIGUOUS, candidate)
    return Match(candidate, best_distance, gap, MatchReason.MATCH, candidate)


def verify(data: GalleryData, embedding: np.ndarray, *, person_id: int, threshold: float) -> Match:
    """1:1: whether this face is the given person's, compared with their photos alone
    (nobody else's face counts, so no margin to the next person is asked)."""
    index = int(np.searchsorted(data.people, person_id))
    if index >= len(data.people) or int(data.people[index]) != person_id:
        return Match(None, None, None, MatchReason.NO_MATCH, person_id)  # no face enrolled
    start = int(data.starts[index])
    end = int(data.starts[index + 1]) if index + 1 < len(data.starts) else len(data.vectors)
    squared = _squared_distances(data, embedding, slice(start, end))
    distance = float(_as_distance(squared.min(keepdims=True), data.metric)[0])
    if distance >= threshold:
        return Match(None, distance, None, MatchReason.NO_MATCH, person_id)
    return Match(person_id, distance, None, MatchReason.MATCH, person_id)


def _build(rows: list[tuple[int, int, Any]], metric: str, template: str) -> GalleryData:
    # the embedding column: bytes, or a memoryview on PostgreSQL
    ids = np.array([r[1] for r in rows], dtype=np.int64)
    if not rows:
        return GalleryData.build(ids, np.zeros((0, 128), np.float32), metric, template)
    vectors = np.stack([embedding_decrypt(r[2]) for r in rows])
    return GalleryData.build(ids, vectors, metric, template)


class Gallery:
    """The enrolled embeddings of one model, kept in step with the database."""

    def __init__(
        self,
        model_name: str,
        *,
        metric: str = "euclidean",
        template: str = "best",
        check_every: float | None = None,
    ) -> None:
        self.model_name = model_name
        self.metric = metric
        self.template = template
        self._check_every = check_every  # None: the FACE_GALLERY_CHECK_SECONDS setting
        self._checked_at = float("-inf")
        self._data = _build([], metric, template)
        self._fingerprint: tuple[int, object] | None = None
        self._row_ids: set[int] = set()
        self._lock = threading.Lock()

    def _enrolled(self) -> QuerySet[FacePhoto]:
        return FacePhoto.objects.filter(
            status=FacePhoto.Status.ENROLLED, model_name=self.model_name, embedding__isnull=False
        )

    def refresh_if_changed(self) -> bool:
        """Bring the gallery in step with the database; True if anything changed.

        New enrolments are appended (only their rows are read and decrypted); anything else
        (a photo or person deleted, a photo re-enrolled) reloads the whole gallery.
        """
        summary = self._enrolled().aggregate(n=Count("id"), latest=Max("updated_at"))
        fingerprint = (summary["n"], summary["latest"])
        if fingerprint == self._fingerprint:
            return False
        with self._lock:
            if fingerprint == self._fingerprint:
                return False
            if not self._append_newer(fingerprint):
                rows = list(self._enrolled().values_list("id", "person_id", "embedding"))
                self._row_ids = {r[0] for r in rows}
                self._data = _build(rows, self.metric, self.template)
            self._fingerprint = fingerprint
        return True

    def _append_newer(self, fingerprint: tuple[int, object]) -> bool:
        if self._fingerprint is None or self._fingerprint[1] is None:
            return False
        count, latest = self._fingerprint
        rows = list(
            self._enrolled()
            .filter(updated_at__gt=latest)
            .values_list("id", "person_id", "embedding")
        )
        if any(r[0] in self._row_ids for r in rows) or count + len(rows) != fingerprint[0]:
            return False  # a row changed or went away: only a full reload is right
        if rows:
            self._data = self._data.appended(_build(rows, self.metric, self.template))
            self._row_ids.update(r[0] for r in rows)
        return True

    def identify(self, embedding: np.ndarray, *, threshold: float, margin: float) -> Match:
        return identify(self._current(), embedding, threshold=threshold, margin=margin)

    def verify(self, embedding: np.ndarray, *, person_id: int, threshold: float) -> Match:
        return verify(self._current(), embedding, person_id=person_id, threshold=threshold)

    def _current(self) -> GalleryData:
        """The gallery, brought in step with the database at most every check interval."""
        interval = self._check_every
        if interval is None:
            interval = settings.FACE_GALLERY_CHECK_SECONDS
        now = time.monotonic()
        if now - self._checked_at >= interval:
            self._checked_at = now
            try:
                self.refresh_if_changed()
            except DatabaseError as error:
                if self._fingerprint is None:
                    raise  # never loaded: nobody could be named
                # The database is away for a moment (a restart, a failover): the people
                # enrolled until now are still named; changes are picked up once it is back.
                logger.warning("The gallery is not in step with the database: %s", error)
        return self._data

    def __len__(self) -> int:
        return len(self._data.photo_person_ids)
