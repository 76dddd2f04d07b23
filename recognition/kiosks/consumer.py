"""The kiosk's WebSocket: authenticate the device, take its frames, send back what happened.

Protocol. The device shows the credential cookie it got when it was paired; the server sends
``{"type": "challenge", "challenge": ...}`` and the device's first message must be
``{"type": "proof", "signature": ...}``, the challenge signed with its device key
(``recognition.kiosks.device_keys``). Anything else, or a wrong signature, is refused (4412)
and the kiosk flagged: its credential was copied. Then the device sends JPEG frames as binary
messages, and ``{"type": "heartbeat"}`` as text now and then. The server sends JSON text:

- ``{"type": "hello", "kiosk": ..., "gate": ..., "ready": bool, "claim": bool}`` once the key
  is proven (``claim``: the gate asks for a pass or number first, see below);
  ``ready`` false while this process still loads its face engine: the page shows "starting"
  and sends no frames until ``{"type": "ready", "ok": true}`` (``ok`` false, with a
  ``message``, if the engine cannot load);
- ``{"type": "frame", "frame": n, "state": "idle"|"detecting"|"decided", "faces": k,
  "dropped": d}`` for each analysed frame (``n`` counts the frames this socket received);
  ``decided`` only after the passage's decision was sent (the person is still there);
- ``{"type": "guidance", "frame": n, "code": "several_faces", "message": text}`` when the
  frames agree on several faces: not a decision, nothing is recorded;
- ``{"type": "turn", "frame": n, "direction": "left"|"right", "seconds": s, "message": text}``
  at a gate that asks for a head turn (``Gate.liveness_turn``), once the frames named someone:
  the decision follows when they turned that way, or after ``s`` seconds without it
  (``recognition.kiosks.liveness``);
- at a gate that asks for a pass first (``Gate.Verification.CLAIM_THEN_FACE``), frames are
  only searched for a QR pass, and the kiosk may send ``{"type": "claim", "credential": text}``
  (a number typed, or what a badge reader typed). A pass or number that names someone gets
  ``{"type": "claimed", "frame": n, "seconds": s, "message": text}``: their face is then
  compared with theirs alone for ``s`` seconds; one that names nobody is decided at once;
- ``{"type": "decision", "frame": n, "state": "granted"|"denied", "reason": code,
  "message": text, "advice": text, "name": first name, "event": id,
  "door": "opened"|"failed"|null}`` once per passage (``advice``: the site's next step for
  someone not recognised, else empty)
- ``{"type": "offline_list", "list": text, "signature": s}`` after the hello, at a gate with an
  offline allow-list (``recognition.kiosks.offline``); the kiosk sends what it decided while
  offline as ``{"type": "offline_events", "events": [...]}`` (at most 10 a message) and hears
  ``{"type": "offline_events", "recorded": [ids]}``;
- ``{"type": "error", "code": ..., "message": ...}`` for a message that was refused.

The newest frame wins: while one frame is analysed, a newer one replaces any waiting frame
and the replaced one is counted as dropped. Close codes, message types and the pages' back-off
are in ``recognition.kiosks.protocol``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accessportal.security_alerts import security_alert
from accessportal.socket_guards import IntegerCloseCodes
from gates.decisions import REASON_TEXT, Reason
from people.passes import MAX_CLAIM_CHARACTERS, claimed_person_id
from people.pins import PinCheck, pin_asked, pin_check, pin_tries_left
from recognition.faces.engine import ImageError
from recognition.kiosks.activity import activity_publish, event_update, kiosk_update
from recognition.kiosks.alerts import passage_alerts
from recognition.kiosks.analysis_service import AnalysisFailed
from recognition.kiosks.analyzers import (
    ENGINE_USABLE,
    EngineState,
    analyzer_readiness,
    get_analyzer,
)
from recognition.kiosks.device_keys import challenge_new, proof_valid
from recognition.kiosks.liveness import (
    TURN_TEXT,
    TurnChallenge,
    TurnDirection,
    TurnOutcome,
    turn_challenge_start,
)
from recognition.kiosks.offline import offline_events_record, offline_list_for
from recognition.kiosks.pairing import (
    KioskFacts,
    KioskState,
    Refusal,
    kiosk_check,
    kiosk_credential_misused,
    kiosk_group,
    kiosk_seen,
)
from recognition.kiosks.passages import (
    Agreement,
    Claim,
    PassageState,
    Seen,
    kiosk_passage_tracker,
)
from recognition.kiosks.protocol import CloseCode, MessageType
from recognition.kiosks.rate_limit import MessageRate, kiosk_decision_allowed
from recognition.kiosks.recording import (
    PassageRecord,
    kiosk_recent_passage,
    passage_door_open,
    passage_record,
)
from recognition.models import door_outcome

logger = logging.getLogger(__name__)
T = TypeVar("T")

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_TEXT_CHARACTERS = 4096  # a heartbeat is 20
SEEN_WRITE_SECONDS = 5.0  # how often last_seen_at is written, at most
RECORD_RETRY_SECONDS = (0.5, 1.0, 2.0)  # waits between tries to record a passage
PROOF_SECONDS = 10.0  # for the device to answer the challenge
READY_POLL_SECONDS = 0.25  # how often a kiosk waiting for the engine is looked at


def _json_object(text: str) -> dict | None:
    """A JSON object, or None for anything else (not JSON, nested deeper than Python goes)."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


@dataclass
class PinWait:
    """A PIN asked for after the face: the passage it decides, until ``deadline``."""

    agreement: Agreement
    frame: int
    deadline: float
    wrong: int = 0  # wrong PINs typed so far
    checking: bool = False  # one is being checked now


@dataclass
class ClaimWait:
    """A pass or number named someone: their face is awaited until ``deadline``."""

    claim: Claim
    frame: int
    deadline: float


@dataclass
class PassInView:
    """The QR pass last read: not read again until it was out of view for a moment."""

    code: str
    seen_at: float


class KioskConsumer(IntegerCloseCodes, AsyncWebsocketConsumer):
    # Seconds on a monotonic clock: passages, rate limits and silence are timed by it. Tests
    # replace it to move time on without sleeping.
    clock: Callable[[], float] = staticmethod(time.monotonic)
    claimed: KioskFacts | None = None  # the credential's kiosk, until the device proves it
    kiosk: KioskFacts | None = None  # set once the device proved its key
    closed = False  # once closed (by either side) nothing more is sent
    replaced = False  # another connection of the same kiosk took over

    @property
    def accepted(self) -> KioskFacts:
        """The accepted kiosk; only used once ``connect`` accepted it."""
        assert self.kiosk is not None
        return self.kiosk

    async def connect(self) -> None:
        self.credential = self.scope.get("cookies", {}).get(settings.KIOSK_COOKIE_NAME)
        checked = await database_sync_to_async(kiosk_check)(self.credential)
        await self.accept()  # accepted first, so that the device sees the close code and reason
        if isinstance(checked, Refusal):
            await self._refuse(checked)
            return
        # The credential names a kiosk; the device must now prove that kiosk's key.
        self.claimed = checked
        self.challenge = challenge_new()
        self.proof_timer = asyncio.create_task(self._close_unless_proven())
        await self._send_json({"type": MessageType.CHALLENGE, "challenge": self.challenge})

    async def _prove(self, text: str | None) -> None:
        """The device's first message: the challenge signed with its key, or it is refused."""
        claimed = self.claimed
        assert claimed is not None
        self.claimed = None
        self.proof_timer.cancel()
        message = _json_object(text) if text and len(text) <= MAX_TEXT_CHARACTERS else None
        if (
            message is not None
            and message.get("type") == MessageType.PROOF
            and proof_valid(
                device_key=claimed.device_key,
                challenge=self.challenge,
                signature=message.get("signature"),
            )
        ):
            await self._start(claimed)
            return
        client = self.scope.get("client") or ("unknown address",)
        logger.warning(
            "Kiosk %s (%s): its credential came from %s without the device key; refused and "
            "flagged (copied credential?)",
            claimed.id,
            claimed.name,
            client[0],
        )
        try:
            misused_at = await database_sync_to_async(kiosk_credential_misused)(kiosk_id=claimed.id)
        except DatabaseError as error:
            logger.warning("Kiosk %s: the misuse flag was not written: %s", claimed.id, error)
        else:
            await activity_publish(
                kiosk_update(claimed.id, claimed.gate_id, None, misused_at=misused_at)
            )
        await database_sync_to_async(security_alert)(
            "kiosk_credential_copied",
            f"Kiosk {claimed.name!r} ({claimed.gate_name}): its credential came from "
            f"{client[0]} without the device key",
            key=str(claimed.id),
            kiosk=claimed.name,
            gate=claimed.gate_name,
            address=client[0],
        )
        await self._refuse(Refusal.DEVICE_UNVERIFIED)

    async def _close_unless_proven(self) -> None:
        await asyncio.sleep(PROOF_SECONDS)
        if self.claimed is not None:
            self.claimed = None
            await self._close(
                CloseCode.SILENT, f"The device key was not proven within {PROOF_SECONDS:g} s."
            )

    async def _start(self, checked: KioskFacts) -> None:
        """The device proved its key: take its frames from now on."""
        self.kiosk = checked
        self.tracker = kiosk_passage_tracker()
        recent = await database_sync_to_async(kiosk_recent_passage)(
            kiosk_id=checked.id, within_seconds=settings.KIOSK_RESUME_SECONDS
        )
        if recent is not None:  # this kiosk's socket was lost moments ago: carry on
            self.tracker.resume(recent, at=self.clock())
        self.rate = MessageRate(settings.KIOSK_MAX_MESSAGES_PER_SECOND)
        self.received = self.dropped = 0
        self.waiting: tuple[int, bytes] | None = None
        self.analysing: asyncio.Task | None = None
        self.turn: TurnChallenge | None = None  # a head turn asked for and not yet seen
        self.pin_wait: PinWait | None = None  # a PIN asked for and not yet given
        self.claim_wait: ClaimWait | None = None  # a pass named someone; their face awaited
        self.pass_in_view: PassInView | None = None
        self.last_message_at = self.last_seen_write = self.clock()
        # An open connection of this kiosk is closed: this one proved the same device's key
        # (a reconnect whose old socket the server has not yet seen close, or a second tab).
        await self.channel_layer.group_send(
            kiosk_group(checked.id), {"type": "kiosk.replaced", "by": self.channel_name}
        )
        await self.channel_layer.group_add(kiosk_group(checked.id), self.channel_name)
        await database_sync_to_async(kiosk_seen)(kiosk_id=checked.id)
        await activity_publish(kiosk_update(checked.id, checked.gate_id, KioskState.ONLINE))
        self.watchdog = asyncio.create_task(self._close_when_silent())
        logger.info("Kiosk %s connected (%s)", checked.id, checked.name)
        ready = analyzer_readiness().state in ENGINE_USABLE
        await self._send_json(
            {
                "type": MessageType.HELLO,
                "kiosk": checked.name,
                "gate": checked.gate_name,
                "ready": ready,
                "claim": checked.claim_first,
            }
        )
        if not ready:  # the process is still loading its engine: say when it can decide
            self.announcing = asyncio.create_task(self._announce_ready())
        if checked.offline_allow_list:
            await self._send_offline_list()

    async def disconnect(self, code: int) -> None:
        if self.kiosk is None:
            if self.claimed is not None:
                self.proof_timer.cancel()
            return
        self.closed = True
        self.watchdog.cancel()
        logger.info("Kiosk %s disconnected (%s)", self.accepted.id, code)
        # A frame being analysed finishes, and its passage is recorded, even after a close.
        try:
            await self.channel_layer.group_discard(kiosk_group(self.accepted.id), self.channel_name)
        except Exception as error:  # the layer is away; its group entries expire by themselves
            logger.warning("Kiosk %s: not removed from its group: %s", self.accepted.id, error)
        if not self.replaced:
            await activity_publish(
                kiosk_update(self.accepted.id, self.accepted.gate_id, KioskState.OFFLINE)
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        if self.kiosk is None:
            if self.claimed is not None and not self.closed:
                await self._prove(text_data)
            return
        now = self.clock()
        self.last_message_at = now
        if not self.rate.allow(now):
            if self.rate.flooding:
                await self._close(CloseCode.FLOODING, "Too many messages.")
            return
        if bytes_data is None:
            await self._receive_text(text_data or "")
            return
        if len(bytes_data) > settings.KIOSK_MAX_FRAME_BYTES:
            await self._close(
                CloseCode.FRAME_TOO_LARGE,
                f"Frames may be at most {settings.KIOSK_MAX_FRAME_BYTES} bytes.",
            )
            return
        if not bytes_data.startswith(JPEG_MAGIC):
            await self._error("bad_frame", "Frames must be JPEG images sent as binary messages.")
            return
        self.received += 1
        if self.waiting is not None:
            self.dropped += 1
        self.waiting = (self.received, bytes_data)
        if self.analysing is None or self.analysing.done():
            self.analysing = asyncio.create_task(self._analyse_waiting())
        if now - self.last_seen_write >= SEEN_WRITE_SECONDS:
            await self._seen(now)

    async def _receive_text(self, text: str) -> None:
        if len(text) > MAX_TEXT_CHARACTERS:
            await self._close(
                CloseCode.FRAME_TOO_LARGE,
                f"Text messages may be at most {MAX_TEXT_CHARACTERS} characters.",
            )
            return
        message = _json_object(text)
        if message is not None and message.get("type") == MessageType.PIN:
            await self._receive_pin(message.get("pin"))
            return
        if message is not None and message.get("type") == MessageType.CLAIM:
            await self._receive_claim(message.get("credential"))
            return
        if message is not None and message.get("type") == MessageType.OFFLINE_EVENTS:
            await self._receive_offline_events(message.get("events"))
            return
        if message is None or message.get("type") != MessageType.HEARTBEAT:
            await self._error(
                "bad_message", 'Send frames as binary JPEG, or {"type": "heartbeat"} as text.'
            )
            return
        # A heartbeat also re-reads the kiosk: a revoked kiosk or a deleted gate ends here.
        try:
            checked = await database_sync_to_async(kiosk_check)(self.credential)
        except DatabaseError as error:  # checked again at the next beat; the socket stays
            logger.warning("Kiosk %s: not re-read at its heartbeat: %s", self.accepted.id, error)
            checked = self.accepted
        if isinstance(checked, Refusal):
            await self._refuse(checked)
            return
        self.kiosk = checked
        await self._seen(self.clock())
        await self._send_json({"type": MessageType.HEARTBEAT})

    async def _announce_ready(self) -> None:
        """Tell the kiosk once the engine is loaded (it shows "starting" until then)."""
        while not self.closed:
            readiness = analyzer_readiness()
            if readiness.state in ENGINE_USABLE:
                await self._send_json({"type": MessageType.READY, "ok": True})
                return
            if readiness.state is EngineState.FAILED:
                await self._send_json(
                    {
                        "type": MessageType.READY,
                        "ok": False,
                        "message": _("Face recognition is not available. Please ask at the desk."),
                    }
                )
                return
            await asyncio.sleep(READY_POLL_SECONDS)

    async def _analyse_waiting(self) -> None:
        analyzer = get_analyzer()
        while self.waiting is not None:
            frame, data = self.waiting
            self.waiting = None
            now = self.clock()
            claim_wait = self.claim_wait
            # At a gate that asks for a pass first, and nothing under way: look for a pass.
            reading_pass = (
                self.accepted.claim_first
                and claim_wait is None
                and self.turn is None
                and self.pin_wait is None
            )
            try:
                sighting = await analyzer.analyze(
                    data,
                    at=now,
                    check_liveness=self.accepted.liveness_required,
                    # While a turn is awaited, every frame's face is identified.
                    still_at=None if self.turn else self.tracker.still_box(now),
                    snapshot=self.accepted.snapshot_faces,
                    claimed_person_id=self._claimed_person_id(),
                    read_pass=reading_pass,
                )
            except ImageError as error:
                await self._error("bad_frame", str(error), frame=frame)
                continue
            except AnalysisFailed as error:  # no analysis worker answered: said, not traced
                logger.warning(
                    "Kiosk %s: frame %s not analysed: %s", self.accepted.id, frame, error
                )
                await self._error("server_error", "This frame could not be analysed.", frame=frame)
                continue
            except Exception:
                logger.exception(
                    "Kiosk %s: frame %s could not be analysed", self.accepted.id, frame
                )
                await self._error("server_error", "This frame could not be analysed.", frame=frame)
                continue
            if reading_pass:
                await self._send_json(
                    {
                        "type": MessageType.FRAME,
                        "frame": frame,
                        "state": PassageState.IDLE.value,
                        "faces": 0,
                        "dropped": self.dropped,
                    }
                )
                if self._pass_new(sighting.code, now):
                    assert sighting.code is not None
                    await self._claim(sighting.code, via="qr", frame=frame)
                continue
            agreement = self.tracker.observe(sighting)
            if claim_wait is not None and self.claim_wait is claim_wait:
                if agreement is not None and agreement.seen is not Seen.SEVERAL:
                    self.claim_wait = None
                    agreement = replace(agreement, claim=claim_wait.claim)
                elif agreement is None and now >= claim_wait.deadline:
                    self.claim_wait = None  # no face came: decided, and recorded, as such
                    agreement = Agreement.faceless(claim_wait.claim)
            # "decided" only once the kiosk heard the decision: the frame that completes an
            # agreement, and those of a pass, a turn or a PIN awaited, are still being decided.
            deciding = (
                agreement is not None
                or self.turn is not None
                or self.pin_wait is not None
                or self.claim_wait is not None
            )
            state = PassageState.DETECTING if deciding else self.tracker.state
            await self._send_json(
                {
                    "type": MessageType.FRAME,
                    "frame": frame,
                    "state": state.value,
                    "faces": sighting.faces,
                    "dropped": self.dropped,
                }
            )
            if agreement is not None and agreement.seen is Seen.SEVERAL:
                # Guidance, not a decision: nothing is recorded, and once one face remains
                # its passage starts.
                await self._send_json(
                    {
                        "type": MessageType.GUIDANCE,
                        "frame": frame,
                        "code": Reason.SEVERAL_FACES.value,
                        "message": REASON_TEXT[Reason.SEVERAL_FACES],
                    }
                )
                continue
            if self.pin_wait is not None:  # a person was asked for their PIN
                wait = self.pin_wait
                if not wait.checking and now >= wait.deadline:
                    self.pin_wait = None
                    given = "wrong" if wait.wrong else "not_entered"
                    await self._decide(replace(wait.agreement, pin=given), frame)
                continue
            if self.turn is not None:  # a person was asked to turn their head
                outcome = self.turn.observe(sighting)
                if outcome is TurnOutcome.PENDING:
                    continue
                agreement, self.turn = self.turn.settled(outcome), None
            elif agreement is not None and self.accepted.liveness_turn:
                self.turn = turn_challenge_start(
                    agreement, direction=secrets.choice(list(TurnDirection)), at=now
                )
                if self.turn is not None:
                    await self._send_json(
                        {
                            "type": MessageType.TURN,
                            "frame": frame,
                            "direction": self.turn.direction.value,
                            "seconds": self.turn.rule.seconds,
                            "message": TURN_TEXT[self.turn.direction],
                        }
                    )
                    continue
            if agreement is not None:
                try:
                    ask_pin = (
                        agreement.seen is Seen.PERSON
                        and agreement.turned is not False  # denied already: no PIN asked
                        and await self._pin_asked(agreement)
                    )
                except DatabaseError:
                    await self._not_recorded(frame)
                    continue
                if ask_pin:
                    await self._ask_pin(agreement, frame)
                    continue
                await self._decide(agreement, frame)
                if self.closed:
                    return

    async def _not_recorded(self, frame: int) -> None:
        """Nothing was decided: no door without its event. The person is decided afresh."""
        self.tracker.forget()
        await self._error(
            "not_recorded",
            "This passage could not be recorded, so the door stays shut. Please step up again.",
            frame=frame,
        )

    # --- Offline: the allow-list out, what was decided offline in -----------------------------

    async def _send_offline_list(self) -> None:
        try:
            signed = await self._database(
                "making the offline list", offline_list_for, kiosk_id=self.accepted.id
            )
        except DatabaseError:
            return  # the kiosk keeps the list it has; the next connection sends a new one
        if signed is not None:
            await self._send_json({"type": MessageType.OFFLINE_LIST, **signed})

    async def _receive_offline_events(self, events: object) -> None:
        if not isinstance(events, list) or not 0 < len(events) <= 10:
            await self._error("bad_message", "Send 1 to 10 offline events a message.")
            return
        try:
            recorded = await self._database(
                "recording offline events",
                offline_events_record,
                kiosk_id=self.accepted.id,
                events=events,
            )
        except DatabaseError:
            return  # not acknowledged: the kiosk sends them again
        await self._send_json({"type": MessageType.OFFLINE_EVENTS, "recorded": recorded})

    # --- A pass or number first, then the face (1:1) -------------------------------------------

    def _claimed_person_id(self) -> int | None:
        """Whom a pass named, while their passage is decided (their face, their turn): each
        frame's face is then compared with theirs alone."""
        if self.claim_wait is not None:
            return self.claim_wait.claim.person_id
        under_way = self.turn.agreement if self.turn is not None else None
        claim = under_way.claim if under_way is not None else None
        return claim.person_id if claim is not None else None

    def _pass_new(self, code: str | None, now: float) -> bool:
        """Whether a QR code read now is a pass shown anew: the same one kept in view (or
        shown again within a moment) after its passage is not read again."""
        last = self.pass_in_view
        if code is None:
            return False
        self.pass_in_view = PassInView(code, now)
        return (
            last is None
            or last.code != code
            or now - last.seen_at >= (settings.KIOSK_LEAVE_SECONDS)
        )

    async def _receive_claim(self, credential: object) -> None:
        """A number typed on the keypad, or what a badge reader typed."""
        if not self.accepted.claim_first:
            await self._error("bad_message", "This gate does not ask for a pass or number.")
            return
        if self.turn is not None or self.pin_wait is not None:
            await self._error("bad_message", "A passage is being decided; please wait.")
            return
        if not isinstance(credential, str) or not 0 < len(credential) <= MAX_CLAIM_CHARACTERS:
            await self._error("bad_message", "Send the number as text.")
            return
        await self._claim(credential, via="keypad", frame=self.received)

    async def _claim(self, credential: str, *, via: str, frame: int) -> None:
        """A pass or number was shown: whom it names is read, then their face is awaited; one
        that names nobody is decided (and recorded) at once."""
        try:
            person_id = await self._database(
                "reading a pass", claimed_person_id, credential=credential
            )
        except DatabaseError:
            await self._not_recorded(frame)
            return
        claim = Claim(person_id, via)
        if person_id is None:
            self.claim_wait = None
            await self._decide(Agreement.faceless(claim), frame)
            return
        self.tracker.forget()  # a passage of its own starts, for this person's face
        seconds = settings.KIOSK_CLAIM_SECONDS
        self.claim_wait = ClaimWait(claim, frame, deadline=self.clock() + seconds)
        await self._send_json(
            {
                "type": MessageType.CLAIMED,
                "frame": frame,
                "seconds": seconds,
                "message": _("Please look at the camera."),
            }
        )

    # --- A PIN after the face ------------------------------------------------------------------

    async def _pin_asked(self, agreement: Agreement) -> bool:
        assert agreement.person_id is not None
        return await self._database(
            "reading whether a PIN is asked",
            pin_asked,
            person_id=agreement.person_id,
            gate_asks=self.accepted.asks_pin,
        )

    async def _ask_pin(self, agreement: Agreement, frame: int) -> None:
        seconds = settings.KIOSK_PIN_SECONDS
        self.pin_wait = PinWait(agreement, frame, deadline=self.clock() + seconds)
        await self._send_json(
            {
                "type": MessageType.PIN,
                "frame": frame,
                "seconds": seconds,
                "message": _("Please enter your PIN."),
            }
        )

    async def _receive_pin(self, pin: object) -> None:
        """The PIN typed at the kiosk: checked (a wrong one counts towards the lock), then the
        passage is decided, or the person is asked again."""
        wait = self.pin_wait
        if wait is None or wait.checking:
            await self._error("bad_message", "No PIN was asked for.")
            return
        person_id = wait.agreement.person_id
        assert person_id is not None
        wait.checking = True
        try:
            outcome = await self._database(
                "checking a PIN",
                pin_check,
                person_id=person_id,
                pin=pin if isinstance(pin, str) else "",
            )
        except DatabaseError:
            self.pin_wait = None
            await self._not_recorded(wait.frame)
            return
        finally:
            wait.checking = False
        if self.pin_wait is not wait:
            return
        if outcome is PinCheck.WRONG:
            wait.wrong += 1
            left = await database_sync_to_async(pin_tries_left)(person_id)
            with translation.override(self.accepted.language):
                wrong = ngettext(
                    "Wrong PIN ({left} try left). Please enter your PIN.",
                    "Wrong PIN ({left} tries left). Please enter your PIN.",
                    left,
                ).format(left=left)
            await self._send_json(
                {
                    "type": MessageType.PIN,
                    "frame": wait.frame,
                    "seconds": max(0.0, wait.deadline - self.clock()),
                    "message": wrong,
                }
            )
            return
        self.pin_wait = None
        if outcome is PinCheck.DURESS:  # let in as usual; the alarm is silent
            await database_sync_to_async(security_alert)(
                "duress_pin",
                f"Duress PIN entered at {self.accepted.gate_name} (kiosk {self.accepted.name!r}) "
                f"by person #{person_id}",
                key=f"{person_id}@{self.accepted.id}",
                person=person_id,
                gate=self.accepted.gate_name,
                kiosk=self.accepted.name,
            )
        await self._decide(replace(wait.agreement, pin=outcome.value), wait.frame)

    async def _decide(self, agreement: Agreement, frame: int) -> None:
        """Record the passage the frames agreed on, open the door of a granted one, and tell
        the kiosk; or say why nothing was decided."""
        if not await kiosk_decision_allowed(
            self.accepted.id, per_minute=settings.KIOSK_MAX_DECISIONS_PER_MINUTE
        ):
            logger.warning(
                "Kiosk %s: more than %s passages this minute; not decided",
                self.accepted.id,
                settings.KIOSK_MAX_DECISIONS_PER_MINUTE,
            )
            self.tracker.forget()  # decided afresh once the minute is over
            await self._error(
                "too_many_passages",
                "Too many passages at this kiosk. Please wait a moment.",
                frame=frame,
            )
            return
        if agreement.claim is not None and self.pass_in_view is not None:
            # The pass held up all along is read again only once it was out of view.
            self.pass_in_view.seen_at = self.clock()
        try:
            record = await self._record(agreement)
        except DatabaseError:
            logger.exception("Kiosk %s: a passage could not be recorded", self.accepted.id)
            await self._not_recorded(frame)
            return
        if isinstance(record, Refusal):
            await self._refuse(record)
            return
        # The event is committed; only now is the door of a granted passage fired.
        door_result = await database_sync_to_async(passage_door_open, thread_sensitive=False)(
            record
        )
        decision = record.decision
        door = door_outcome(
            granted=decision.granted, opened=door_result.opened if door_result else None
        )
        await self._send_json(
            {
                "type": MessageType.DECISION,
                "frame": frame,
                "state": "granted" if decision.granted else "denied",
                "reason": decision.reason.value,
                "message": REASON_TEXT[decision.reason],
                # What to do next, where the site says it: for someone not recognised.
                "advice": (
                    self.accepted.unrecognised_advice
                    if decision.reason is Reason.UNKNOWN_FACE
                    else ""
                ),
                "name": record.first_name,
                "event": record.event.pk,
                "door": door,
            }
        )
        # The person at the door hears first; the status pages and the alerts after.
        await activity_publish(event_update(record.event))
        try:
            await database_sync_to_async(passage_alerts, thread_sensitive=False)(
                record, door_result
            )
        except Exception:  # an alert that could not be raised never undoes a decision
            logger.exception("Kiosk %s: the passage's alerts were not raised", self.accepted.id)

    async def _record(self, agreement: Agreement) -> PassageRecord | Refusal:
        """The passage recorded, tried again while the database is away for a moment (a
        restart, a failover); raises DatabaseError when it stays away."""
        return await self._database(
            "recording a passage", passage_record, kiosk_id=self.accepted.id, agreement=agreement
        )

    async def _database(self, doing: str, function: Callable[..., T], **arguments: Any) -> T:
        """``function(**arguments)`` on a worker thread, tried again while the database is
        away for a moment; raises DatabaseError when it stays away."""
        call = database_sync_to_async(function, thread_sensitive=False)
        for wait in RECORD_RETRY_SECONDS:
            try:
                return await call(**arguments)
            except DatabaseError as error:
                logger.warning(
                    "Kiosk %s: %s failed (%s); trying again in %s s",
                    self.accepted.id,
                    doing,
                    error,
                    wait,
                )
                await asyncio.sleep(wait)
        return await call(**arguments)  # the last try

    async def _close_when_silent(self) -> None:
        timeout = settings.KIOSK_IDLE_TIMEOUT_SECONDS
        while not self.closed:
            await asyncio.sleep(min(timeout, 5.0))
            if self.clock() - self.last_message_at > timeout:
                await self._close(
                    CloseCode.SILENT, f"Nothing was received for {timeout:g} seconds."
                )
                return

    async def _seen(self, now: float) -> None:
        self.last_seen_write = now
        try:
            await database_sync_to_async(kiosk_seen)(kiosk_id=self.accepted.id)
        except DatabaseError as error:  # "last seen" can wait; the kiosk keeps deciding
            logger.warning("Kiosk %s: last seen not written: %s", self.accepted.id, error)
        await activity_publish(
            kiosk_update(self.accepted.id, self.accepted.gate_id, KioskState.ONLINE)
        )

    # --- Messages from the rest of the server (channel layer) ---------------------------------

    async def kiosk_replaced(self, event: dict) -> None:
        if event["by"] != self.channel_name:
            self.replaced = True
            await self._close(CloseCode.REPLACED, "Another connection of this kiosk took over.")

    async def kiosk_revoked(self, event: dict) -> None:
        await self._refuse(Refusal.REVOKED)

    # --- Sending ------------------------------------------------------------------------------

    async def _send_json(self, message: dict) -> None:
        """Send ``message``; its words (lazy translations) in the site's language."""
        if not self.closed:
            language = self.kiosk.language if self.kiosk else settings.LANGUAGE_CODE
            with translation.override(language):
                text = json.dumps(message, default=str)
            await self.send(text_data=text)

    async def _error(self, code: str, message: str, **extra) -> None:
        await self._send_json(
            {"type": MessageType.ERROR, "code": code, "message": message, **extra}
        )

    async def _refuse(self, refusal: Refusal) -> None:
        facts = self.kiosk or self.claimed
        with translation.override(facts.language if facts else settings.LANGUAGE_CODE):
            message = refusal.message
        await self._send_json(
            {"type": MessageType.REFUSED, "code": refusal.name.lower(), "message": message}
        )
        await self._close(refusal.code, message)

    async def _close(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code=code, reason=reason)
