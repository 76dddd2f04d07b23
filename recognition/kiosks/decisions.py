"""The kiosk's half of a passage's decision, made before the access rules are consulted.

Plain data and a pure function beside ``gates.decisions.decide``: no database, no settings, no
clock. The caller reads the facts (the gate's liveness requirement, the threshold, whether
enrolled photos are being enrolled again) and, when this returns None, asks the rules.
"""

from __future__ import annotations

from gates.decisions import Decision, Reason
from recognition.kiosks.passages import Agreement, Seen


def pre_rule_decision(
    agreement: Agreement,
    *,
    liveness_required: bool,
    liveness_threshold: float,
    faces_updating: bool = False,
) -> Decision | None:
    """A denial the kiosk decides on its own (a crowd, a pass or number that named nobody or
    not this face, a suspected spoof, a head turn asked for and not seen, a PIN asked for and
    not given right, a stranger while enrolled faces are being enrolled again for a new
    model), or None: the rules decide."""
    if agreement.seen is Seen.SEVERAL:
        return Decision(False, Reason.SEVERAL_FACES)
    claim = agreement.claim
    if claim is not None:  # the face must be the named person's, and only theirs counts
        if claim.person_id is None:
            return Decision(False, Reason.CLAIM_UNKNOWN)
        if agreement.seen is Seen.NOTHING:
            return Decision(False, Reason.FACE_NOT_SEEN)
        if agreement.seen is not Seen.PERSON or agreement.person_id != claim.person_id:
            return Decision(False, Reason.FACE_MISMATCH)
    if agreement.seen is Seen.UNKNOWN and faces_updating:
        return Decision(False, Reason.FACES_UPDATING)
    # Liveness matters for a face that would be let in; a stranger is simply not recognised.
    if (
        agreement.seen is Seen.PERSON
        and liveness_required
        and agreement.liveness is not None
        and agreement.liveness < liveness_threshold
    ):
        return Decision(False, Reason.SPOOF_SUSPECTED)
    if agreement.seen is Seen.PERSON and agreement.turned is False:
        return Decision(False, Reason.TURN_NOT_SEEN)
    if agreement.seen is Seen.PERSON and agreement.pin in PIN_DENIALS:
        return Decision(False, PIN_DENIALS[agreement.pin])
    return None


# A PIN asked for and not given right (the right PIN and the duress PIN leave it to the rules).
PIN_DENIALS = {
    "wrong": Reason.PIN_WRONG,
    "locked": Reason.PIN_LOCKED,
    "not_set": Reason.PIN_NOT_SET,
    "not_entered": Reason.PIN_NOT_ENTERED,
}
