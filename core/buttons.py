"""Button data, declared once: every button the bot builds, its prefix and its typed fields.

A button's value travels through the platform and comes back when it is pressed, maybe days later,
maybe forged. So each kind is declared once here (as aiogram's `CallbackData`), and both directions
go through the declaration: `.pack()` writes `prefix[:tag]:field:field`, `Kind.parse(value)` reads it
back into the same typed value — or None for anything stale, forged or malformed, which the dialogue
runner answers with "this button has expired" in one place (handlers/flow.py).

    class Slot(ButtonData, prefix="slot"):
        drive_id: Annotated[int, Id()]
        at: Annotated[time, SlotTime()]

    Slot(drive_id=7, at=time(7, 30)).pack()  # "slot:7:0730"
    Slot.parse("slot:7:0730")                # Slot(drive_id=7, at=time(7, 30))
    Slot.parse("slot:7:²")                   # None

The wire format is the one buttons already in people's chats carry: same prefixes, same field order,
same `:` separators. The declarations live in `core` because the scheduler builds buttons for its
pushes too (reminders, follow-ups, ward invitations, call-outs) and may not import the dialogues.

Sizes are bounded by construction: a field is a bounded id, a small index, a word from a fixed list
or a short name, and a declaration whose longest value could exceed Telegram's 64 bytes fails at
import. Several declarations may share a prefix when each has its own `tag` (the fixed word after the
prefix: `mysu:move:…`, `mysu:cancel:…`); the router sends a prefix to one handler, which tells them
apart by parsing (tests/unit/test_buttons.py checks that no value of one kind parses as another).
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, fields
from datetime import time
from typing import Annotated, Any, ClassVar, Final, Protocol, Self, dataclass_transform, get_type_hints

from domain.followup import FEELINGS
from domain.ids import MAX_ID, parse_int
from domain.organisations import OrganisationType

MAX_BYTES: Final = 64
"""Telegram carries at most 64 bytes of data on a button (`handlers.messages.Choice` checks it too)."""

SEPARATOR: Final = ":"
_PREFIX = re.compile(r"^[a-z][a-z_]*$")


class Codec(Protocol):
    """How one field is written into a button value and read back (None: not a value of this field)."""

    @property
    def widest(self) -> int:
        """Bytes of the longest token this field can write."""
        ...

    def pack(self, value: Any) -> str: ...

    def parse(self, token: str) -> Any | None: ...


@dataclass(frozen=True)
class Id:
    """A row id, 1..maximum (`domain.ids.parse_id` semantics: ASCII digits only, range-checked)."""

    maximum: int = MAX_ID

    @property
    def widest(self) -> int:
        return len(str(self.maximum))

    def pack(self, value: Any) -> str:
        if not (isinstance(value, int) and 1 <= value <= self.maximum):
            raise ValueError(f"id out of range: {value!r}")
        return str(value)

    def parse(self, token: str) -> int | None:
        return parse_int(token, minimum=1, maximum=self.maximum)


@dataclass(frozen=True)
class Index:
    """A position in a list shown as buttons (wards, pages): 0..maximum, optionally after a fixed `tag`
    (`page2`). The caller still checks it against the list's length."""

    maximum: int = 999
    tag: str = ""

    @property
    def widest(self) -> int:
        return len(self.tag) + len(str(self.maximum))

    def pack(self, value: Any) -> str:
        if not (isinstance(value, int) and 0 <= value <= self.maximum):
            raise ValueError(f"index out of range: {value!r}")
        return f"{self.tag}{value}"

    def parse(self, token: str) -> int | None:
        if not token.startswith(self.tag):
            return None
        return parse_int(token[len(self.tag) :], minimum=0, maximum=self.maximum)


class Word:
    """One of a fixed list of short words written in code ("yes", "male", "O+")."""

    def __init__(self, *words: str) -> None:
        if not words or any(not w or SEPARATOR in w for w in words):
            raise ValueError(f"bad words: {words!r}")
        self.words: Final = tuple(words)

    @property
    def widest(self) -> int:
        return max(len(w.encode()) for w in self.words)

    def pack(self, value: Any) -> str:
        if value not in self.words:
            raise ValueError(f"not one of {self.words}: {value!r}")
        return str(value)

    def parse(self, token: str) -> str | None:
        return token if token in self.words else None


@dataclass(frozen=True)
class Name:
    """A short identifier from code or a checked data file (a profile field, an FAQ entry's id)."""

    max_chars: int = 40
    pattern: str = r"[a-z0-9_]+"
    longest: str = ""  # the longest name the pattern allows, when not `max_chars` times "a"

    def __post_init__(self) -> None:
        if self.parse(self.sample) is None:
            raise ValueError(f"{self.sample!r} does not match {self.pattern!r}")

    @property
    def sample(self) -> str:
        """The longest value (tests pack it to show the bound holds)."""
        return self.longest or "a" * self.max_chars

    @property
    def widest(self) -> int:
        return self.max_chars

    def pack(self, value: Any) -> str:
        if self.parse(value) is None:
            raise ValueError(f"not a name: {value!r}")
        return str(value)

    def parse(self, token: str) -> str | None:
        fits = isinstance(token, str) and len(token) <= self.max_chars and token.isascii()
        return token if fits and re.fullmatch(self.pattern, token) else None


@dataclass(frozen=True)
class SlotTime:
    """A slot's start as HHMM ("0730")."""

    @property
    def widest(self) -> int:
        return 4

    def pack(self, value: Any) -> str:
        if not isinstance(value, time):
            raise ValueError(f"not a time: {value!r}")
        return value.strftime("%H%M")

    def parse(self, token: str) -> time | None:
        hour = parse_int(token[:2], minimum=0, maximum=23) if len(token) == 4 else None
        minute = parse_int(token[2:], minimum=0, maximum=59) if hour is not None else None
        return time(hour, minute) if hour is not None and minute is not None else None


OPTIONAL: Final = "optional"
"""Marks a last field that is left out of the value when it has its default: `Annotated[str, Word("fix"),
OPTIONAL] = ""` reads both `res:5:450` and `res:5:450:fix`."""


@dataclass_transform(frozen_default=True)
class ButtonData:
    """The base of every button declaration (see the module docstring).

    A field marked `OPTIONAL` comes last and is left out of the value when it has its default
    (`res:5:450` and `res:5:450:fix`); other defaults only save typing (`WeightSkip()`).
    """

    prefix: ClassVar[str]
    tag: ClassVar[str | None]
    codecs: ClassVar[tuple[tuple[str, Codec, bool], ...]]  # (field, codec, optional)
    declared: ClassVar[dict[tuple[str, str | None], type[ButtonData]]] = {}

    def __init_subclass__(cls, *, prefix: str, tag: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True)(cls)
        if not _PREFIX.match(prefix) or (tag is not None and not _PREFIX.match(tag)):
            raise ValueError(f"bad button prefix {prefix!r} / tag {tag!r}")
        key = (prefix, tag)
        others = {t for p, t in ButtonData.declared if p == prefix}
        if key in ButtonData.declared or (others and (tag is None or None in others)):
            raise ValueError(f"button {prefix}:{tag} declared twice or both with and without a tag")
        hints = get_type_hints(cls, include_extras=True)
        codecs: list[tuple[str, Codec, bool]] = []
        for f in fields(cls):  # type: ignore[arg-type]
            metadata = getattr(hints[f.name], "__metadata__", ())
            codec = next((m for m in metadata if hasattr(m, "parse") and hasattr(m, "widest")), None)
            if codec is None:
                raise TypeError(f"{cls.__name__}.{f.name} needs a codec: Annotated[int, Id()]")
            optional = OPTIONAL in metadata
            if optional and f.default is MISSING:
                raise TypeError(f"{cls.__name__}.{f.name}: an optional field needs a default")
            if codecs and codecs[-1][2] and not optional:
                raise TypeError(f"{cls.__name__}: optional fields come last")
            codecs.append((f.name, codec, optional))
        cls.prefix, cls.tag, cls.codecs = prefix, tag, tuple(codecs)
        if cls.widest() > MAX_BYTES:
            raise ValueError(f"{cls.__name__} may carry {cls.widest()} bytes (at most {MAX_BYTES})")
        ButtonData.declared[key] = cls

    @classmethod
    def widest(cls) -> int:
        """Bytes of the longest value this kind can build."""
        head = len(cls.prefix) + (len(cls.tag) + 1 if cls.tag else 0)
        return head + sum(1 + codec.widest for _, codec, _ in cls.codecs)

    def pack(self) -> str:
        """The button's value, as the platform carries it."""
        parts = [self.prefix, *([self.tag] if self.tag else [])]
        defaults = {f.name: f.default for f in fields(self)}  # type: ignore[arg-type]
        count = len(self.codecs)
        while count and self.codecs[count - 1][2]:  # trailing optional fields at their default
            name = self.codecs[count - 1][0]
            if getattr(self, name) != defaults[name]:
                break
            count -= 1
        tokens = [codec.pack(getattr(self, name)) for name, codec, _ in self.codecs[:count]]
        return SEPARATOR.join(parts + tokens)

    @classmethod
    def parse(cls, value: str | None) -> Self | None:
        """The typed value of a pressed button of this kind; None for anything else (never raises)."""
        if not value or not value.startswith(cls.prefix + SEPARATOR):
            return None
        return cls.parse_payload(value[len(cls.prefix) + 1 :])

    @classmethod
    def parse_payload(cls, payload: str) -> Self | None:
        """Like `parse`, given what follows `prefix:` (what the router hands a button handler)."""
        tokens = payload.split(SEPARATOR)
        if cls.tag is not None:
            if tokens[0] != cls.tag:
                return None
            tokens = tokens[1:]
        required = sum(1 for _, _, optional in cls.codecs if not optional)
        if not required <= len(tokens) <= len(cls.codecs):
            return None
        values: dict[str, Any] = {}
        for (name, codec, _), token in zip(cls.codecs, tokens, strict=False):
            parsed = codec.parse(token)
            if parsed is None:
                return None
            values[name] = parsed
        return cls(**values)


YES_NO = Word("yes", "no")
LANGUAGE = Word("vi", "en")  # core.i18n.LANGUAGES (test_buttons checks they agree)
BLOOD_GROUPS = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")


# --- registration and profile fields (handlers/fields.py, handlers/registration.py) ------------------


class Language(ButtonData, prefix="lang"):
    lang: Annotated[str, LANGUAGE]


class Consent(ButtonData, prefix="consent"):
    answer: Annotated[str, YES_NO]


class ConfirmAge(ButtonData, prefix="age"):
    answer: Annotated[str, Word("right", "retype")]


class Sex(ButtonData, prefix="sex"):
    sex: Annotated[str, Word("male", "female")]


class Blood(ButtonData, prefix="blood"):
    group: Annotated[str, Word(*BLOOD_GROUPS, "unknown")]


class WeightSkip(ButtonData, prefix="weight"):
    skip: Annotated[str, Word("skip")] = "skip"


class Ward(ButtonData, prefix="ward"):
    """A ward by its position in `area.wards` (`ward:3`), another page of them (`ward:page1`), or
    "other" (`ward:other`): one token, read through the properties below."""

    pick: Annotated[str, Name(7, r"other|\d{1,3}|page\d{1,3}", "page999")]

    @classmethod
    def at(cls, index: int) -> Ward:
        return cls(pick=_INDEX.pack(index))

    @classmethod
    def turn(cls, page: int) -> Ward:
        return cls(pick=_PAGE.pack(page))

    @property
    def index(self) -> int | None:
        return _INDEX.parse(self.pick)

    @property
    def page(self) -> int | None:
        return _PAGE.parse(self.pick)

    @property
    def other(self) -> bool:
        return self.pick == "other"


_INDEX, _PAGE = Index(), Index(tag="page")


class OrganisationSkip(ButtonData, prefix="organisation"):
    skip: Annotated[str, Word("skip")] = "skip"


class OrganisationKind(ButtonData, prefix="orgtype"):
    kind: Annotated[str, Word(*(k.value for k in OrganisationType))]


class NeverDonated(ButtonData, prefix="last_donation"):
    never: Annotated[str, Word("never")] = "never"


class DonatedBefore(ButtonData, prefix="donated"):
    yes: Annotated[str, Word("yes")] = "yes"


class Reserve(ButtonData, prefix="reserve"):
    answer: Annotated[str, YES_NO]


class Summary(ButtonData, prefix="summary"):
    action: Annotated[str, Word("confirm", "edit")]


class EditField(ButtonData, prefix="edit"):
    """A field to change from the summary, or "summary" (back to it)."""

    field: Annotated[str, Name(24)]


class JoinReserve(ButtonData, prefix="joinres"):
    answer: Annotated[str, YES_NO]


class ProfileEdit(ButtonData, prefix="hoso"):
    field: Annotated[str, Name(24)]


class ForgetDate(ButtonData, prefix="eligfrom"):
    forget: Annotated[str, Word("forget")] = "forget"


class SetLanguage(ButtonData, prefix="setlang"):
    lang: Annotated[str, LANGUAGE]


class Erase(ButtonData, prefix="erase"):
    answer: Annotated[str, YES_NO]


class Faq(ButtonData, prefix="faq"):
    entry_id: Annotated[str, Name(40, r"[a-z][a-z0-9_]*")]  # domain.faq_file.MAX_ID_CHARS


# --- /kiemtra (handlers/selfcheck.py) ----------------------------------------------------------------


class CheckAge(ButtonData, prefix="chk", tag="age"):
    band: Annotated[str, Word("under", "adult", "over")]


class CheckSex(ButtonData, prefix="chk", tag="sex"):
    sex: Annotated[str, Word("male", "female")]


class CheckWeight(ButtonData, prefix="chk", tag="weight"):
    band: Annotated[str, Word("lt42", "42_44", "45_49", "ge50")]


class CheckLast(ButtonData, prefix="chk", tag="last"):
    when: Annotated[str, Word("never", "long", "recent")]


class CheckWhen(ButtonData, prefix="chk", tag="when"):
    now: Annotated[str, Word("now")] = "now"


class CheckOptIn(ButtonData, prefix="chk", tag="optin"):
    answer: Annotated[str, YES_NO]


class CheckCondition(ButtonData, prefix="chk", tag="cond"):
    """A screening condition's id (data/eligibility.toml), or "none"."""

    condition: Annotated[str, Name(40)]


# --- drives, sign-ups, reminders (handlers/drives.py, my_signups.py, reminders.py, scheduler/planner.py)


class Drive(ButtonData, prefix="drive"):
    drive_id: Annotated[int, Id()]


class Slot(ButtonData, prefix="slot"):
    drive_id: Annotated[int, Id()]
    at: Annotated[time, SlotTime()]


class MoveSignup(ButtonData, prefix="mysu", tag="move"):
    signup_id: Annotated[int, Id()]


class CancelSignup(ButtonData, prefix="mysu", tag="cancel"):
    signup_id: Annotated[int, Id()]


class MoveToSlot(ButtonData, prefix="mvslot"):
    signup_id: Annotated[int, Id()]
    at: Annotated[time, SlotTime()]


class Reminders(ButtonData, prefix="remind"):
    switch: Annotated[str, Word("on", "off")]


class Feeling(ButtonData, prefix="feel"):
    signup_id: Annotated[int, Id()]
    answer: Annotated[str, Word(*FEELINGS)]


# --- linking a second chat (handlers/linking.py) ------------------------------------------------------


class Unlink(ButtonData, prefix="unlink"):
    notice_id: Annotated[int, Id()]


class Approval(ButtonData, prefix="appr"):
    approval_id: Annotated[int, Id()]
    answer: Annotated[str, YES_NO]


# --- /thongbao, /tiendo (handlers/announce.py) --------------------------------------------------------


class AnnounceAudience(ButtonData, prefix="annaud"):
    audience: Annotated[str, Word("all", "ward", "reserve")]


class AnnounceWard(ButtonData, prefix="annward"):
    index: Annotated[int, Index()]


class AnnounceConfirm(ButtonData, prefix="annok"):
    answer: Annotated[str, YES_NO]


class AnnounceProgress(ButtonData, prefix="annprog"):
    announcement_id: Annotated[int, Id()]  # announcements.id is an INTEGER


# --- organisers: check-in desk and results (handlers/organiser.py) -------------------------------------


class DeskCheckIn(ButtonData, prefix="desk", tag="in"):
    signup_id: Annotated[int, Id()]


class DeskFix(ButtonData, prefix="desk", tag="fix"):
    signup_id: Annotated[int, Id()]


class DeskWeight(ButtonData, prefix="desk", tag="weight"):
    signup_id: Annotated[int, Id()]
    fix: Annotated[str, Word("fix"), OPTIONAL] = ""


# --- organisers: the desk's search, walk-ins and the lab's blood group (handlers/desk.py) -----------


class DeskOpen(ButtonData, prefix="dsk", tag="open"):
    """A search result booked today: check in (if not yet) and show the desk screen."""

    signup_id: Annotated[int, Id()]


class DeskWalkIn(ButtonData, prefix="dsk", tag="walk"):
    """A registered donor without a booking today: served as a walk-in (the session asked if several)."""

    donor_id: Annotated[int, Id()]


class DeskWalkInAt(ButtonData, prefix="dsk", tag="walkat"):
    donor_id: Annotated[int, Id()]
    drive_id: Annotated[int, Id()]


class DeskNewWalkIn(ButtonData, prefix="dsk", tag="new"):
    """Register someone who is not in the bot, at the desk."""

    new: Annotated[str, Word("new")] = "new"


class DeskBlood(ButtonData, prefix="dsk", tag="blood"):
    """The desk screen's "blood group from the lab": shows the groups to pick."""

    signup_id: Annotated[int, Id()]


class DeskLabGroup(ButtonData, prefix="dsk", tag="lab"):
    signup_id: Annotated[int, Id()]
    group: Annotated[str, Word(*BLOOD_GROUPS)]


class WalkInSession(ButtonData, prefix="dskses"):
    """The walk-in dialogue's first question: which of today's sessions."""

    drive_id: Annotated[int, Id()]


class WalkInConsent(ButtonData, prefix="dskok"):
    """The walk-in signed the paper consent form (yes), or not (no: nothing is stored)."""

    answer: Annotated[str, YES_NO]


class Result(ButtonData, prefix="res"):
    """`res:{signup}:{ml}` or `res:{signup}:defer_{reason}`, with `:fix` when correcting a result."""

    signup_id: Annotated[int, Id()]
    outcome: Annotated[str, Name(24)]
    fix: Annotated[str, Word("fix"), OPTIONAL] = ""


# --- organisers: sessions made in the chat (handlers/organiser_drives.py) ----------------------------


class CreateCampaign(ButtonData, prefix="cmp"):
    campaign_id: Annotated[int, Id()]


class CreateWard(ButtonData, prefix="cward"):
    """A ward's position in `area.wards`, or "none"."""

    pick: Annotated[str, Name(4, r"none|\d{1,3}", "none")]


class CreateConfirm(ButtonData, prefix="cnew"):
    answer: Annotated[str, YES_NO]


class CreateSlotLength(ButtonData, prefix="cslot"):
    """Minutes of one time slot of a new session."""

    minutes: Annotated[str, Word("15", "20", "30", "60")]


class CreateAudience(ButtonData, prefix="caud"):
    """Who a new session is for: "open", or a sector of `domain.organisations.SECTORS`."""

    pick: Annotated[str, Word("open", "school", "company", "agency")]


class CreateEdit(ButtonData, prefix="cedit"):
    """A value of the new session's summary to change (its default was offered)."""

    field: Annotated[str, Word("address", "slot", "audience")]


# --- campaigns from the chat (handlers/campaigns.py) ---------------------------------------------------


class FormSkip(ButtonData, prefix="fskip"):
    """ "Skip" under an optional question of /taochiendich and /taodot."""

    skip: Annotated[str, Word("skip")] = "skip"


class CampaignConfirm(ButtonData, prefix="cmpok"):
    answer: Annotated[str, YES_NO]


class DriveMove(ButtonData, prefix="orgdrive", tag="move"):
    drive_id: Annotated[int, Id()]


class DriveCancel(ButtonData, prefix="orgdrive", tag="cancel"):
    drive_id: Annotated[int, Id()]


class DriveCancelYes(ButtonData, prefix="orgdrive", tag="cancelyes"):
    drive_id: Annotated[int, Id()]


# --- call-outs (handlers/callouts.py, callout_answers.py) ------------------------------------------------


class CalloutGroup(ButtonData, prefix="cog"):
    group: Annotated[str, Word(*BLOOD_GROUPS, "done")]


class CalloutComponent(ButtonData, prefix="coc"):
    component: Annotated[str, Word("whole_blood", "platelets")]


class CalloutDeadline(ButtonData, prefix="codl"):
    hours: Annotated[int, Index(99)]


class CalloutArea(ButtonData, prefix="coa"):
    """A ward's position in `area.wards`, "all" or "done"."""

    pick: Annotated[str, Name(4, r"all|done|\d{1,3}", "done")]


class CalloutClubs(ButtonData, prefix="coclb"):
    """Clubs first: a club's id (toggled), "all" clubs, "none" (everyone alike) or "done"."""

    pick: Annotated[str, Name(9, r"all|none|done|[1-9]\d{0,8}", "999999999")]


class CalloutGo(ButtonData, prefix="cogo"):
    action: Annotated[str, Word("widen", "yes", "no")]


class CalloutAnswer(ButtonData, prefix="co"):
    callout_id: Annotated[int, Id()]
    answer: Annotated[str, Word("yes", "no", "withdraw")]


class CalloutTally(ButtonData, prefix="cov"):
    action: Annotated[str, Word("list", "refresh", "extend", "close")]
    callout_id: Annotated[int, Id()]


# --- clubs (handlers/clubs.py) ---------------------------------------------------------------------------


class ClubKind(ButtonData, prefix="clbkind"):
    kind: Annotated[str, Word("club", "living_bank", "family", "school", "company")]


class ClubJoin(ButtonData, prefix="clbjoin"):
    """Joins the club of this code once registration is done (`ctx.then`); pressed by hand it is the
    same as typing the code: a wrong one is counted."""

    code: Annotated[str, Name(9, r"CLB[0-9A-Z]{6}", "CLB999999")]


class ClubLeave(ButtonData, prefix="clbleave"):
    club_id: Annotated[int, Id()]
