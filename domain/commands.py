"""Every chat command in one table: its name in each language, other names that still work, and the
words that call it without a slash ("hủy", "lich cua toi", "my bookings").

The table is the one place a command is named. `handlers.registry` gives each entry its handler, the
Telegram menu and /help list the entries in the person's language, the catalog test checks that every
"/command" a text names is the command of that text's language, and one end-to-end test types every
word of every entry, with and without diacritics, and compares the answer with the slash command's.

Words are matched on the whole message folded (`domain.text.fold`: lower case, no diacritics, single
spaces, no end punctuation), so "Hủy", "huy" and "HUY!" are the same. A command that takes an argument
(/vangmat 30/12/2026, /checkin K7M2QX) is also called by its words followed by the argument. A longer
sentence is not a command: "tôi muốn hủy lịch hẹn" is a request (`domain.intents`), "hồ sơ gồm những
gì" a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.roles import Capability
from domain.text import fold

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class CommandSpec:
    """One chat command."""

    key: str
    """The command's stable name (its Vietnamese name), used by the registry and catalog keys `cmd_<key>`."""
    vi: str
    en: str
    words_vi: tuple[str, ...] = ()
    """Typed without a slash, as Vietnamese write them (with diacritics; the forms without match too)."""
    words_en: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    """Other slash names that work too (older or shorter ones)."""
    organiser: bool = False
    """Only for organisers: in their menu, and their words are read only from them."""
    capability: Capability | None = None
    """What an organiser's role must be able to do to use it (`domain.roles`); every organiser command
    names one (`_check_table`), and `handlers.registry` checks it before the handler runs."""
    takes_args: bool = False
    menu: bool = True
    """Shown in the platform's menu and in /help."""

    def name(self, lang: str) -> str:
        """The command's name in `lang` (without the slash)."""
        return self.en if lang == "en" else self.vi

    @property
    def names(self) -> tuple[str, ...]:
        """Every slash name that calls it."""
        return tuple(dict.fromkeys((self.vi, self.en, *self.aliases)))

    @property
    def words(self) -> tuple[str, ...]:
        return self.words_vi + self.words_en


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "start", "start", menu=False),
    CommandSpec("dangky", "dangky", "register", ("đăng ký", "đăng kí"), ("register", "sign up")),
    CommandSpec(
        "lichhien",
        "lichhien",
        "schedule",
        ("lịch hiến", "lịch hiến máu"),
        ("schedule", "blood drives"),
        aliases=("drives",),
    ),
    CommandSpec(
        "lichcuatoi",
        "lichcuatoi",
        "mybookings",
        ("lịch của tôi", "lịch hẹn của tôi"),
        ("my bookings", "my signups"),
        aliases=("mysignups",),
    ),
    CommandSpec("nhacnho", "nhacnho", "reminders", ("nhắc nhở", "nhắc lịch"), ("reminders",)),
    CommandSpec("kiemtra", "kiemtra", "check", ("kiểm tra",), ("check",)),
    CommandSpec("hoso", "hoso", "profile", ("hồ sơ",), ("profile", "my profile")),
    CommandSpec("vangmat", "vangmat", "away", ("vắng mặt",), ("away",), takes_args=True),
    CommandSpec("mydata", "mydata", "mydata", ("dữ liệu của tôi",), ("my data",)),
    CommandSpec("xoa", "xoa", "delete", ("xóa", "xoá"), ("delete",)),
    CommandSpec("ngonngu", "ngonngu", "language", ("ngôn ngữ", "đổi ngôn ngữ"), ("language",)),
    CommandSpec("huy", "huy", "cancel", ("hủy", "huỷ", "dừng"), ("cancel", "stop")),
    CommandSpec("help", "help", "help", ("trợ giúp",), ("help",), aliases=("trogiup",)),
    # For someone about to be made an organiser: their platform id (/toi), the invite code (/nhanma).
    CommandSpec("toi", "toi", "whoami", ("tôi là ai",), ("who am i",), menu=False),
    CommandSpec("nhanma", "nhanma", "redeem", ("nhận mã",), ("redeem",), takes_args=True, menu=False),
    # Clubs: a club's join code ("CLB-7K2MQX", also typed alone), a donor's clubs.
    CommandSpec("thamgia", "thamgia", "join", takes_args=True, menu=False),
    CommandSpec("clbcuatoi", "clbcuatoi", "myclubs", ("câu lạc bộ của tôi", "clb của tôi"), ("my clubs",)),
    CommandSpec(
        "checkin",
        "checkin",
        "checkin",
        ("checkin",),
        ("check in",),
        organiser=True,
        capability=Capability.CHECKIN,
        takes_args=True,
    ),
    # The check-in desk beyond a code (handlers/desk.py): find a donor, register a walk-in.
    CommandSpec(
        "timnguoi",
        "timnguoi",
        "find",
        ("tìm người",),
        ("find",),
        organiser=True,
        capability=Capability.CHECKIN,
        takes_args=True,
    ),
    CommandSpec(
        "vanglai",
        "vanglai",
        "walkin",
        ("vãng lai", "hiến vãng lai"),
        ("walk in", "walk-in"),
        organiser=True,
        capability=Capability.CHECKIN,
    ),
    CommandSpec(
        "taodot",
        "taodot",
        "newdrive",
        ("tạo đợt", "tạo buổi"),
        ("new drive",),
        organiser=True,
        capability=Capability.DRIVE_CREATE,
    ),
    CommandSpec(
        "khancap",
        "khancap",
        "callout",
        ("khẩn cấp",),
        ("call out", "callout"),
        organiser=True,
        capability=Capability.CALLOUT,
    ),
    CommandSpec(
        "dskhancap",
        "dskhancap",
        "callouts",
        ("danh sách khẩn cấp",),
        ("running callouts",),
        organiser=True,
        capability=Capability.CALLOUT,
    ),
    CommandSpec(
        "hiemmau",
        "hiemmau",
        "rare",
        ("hiếm máu", "máu hiếm"),
        ("rare donors",),
        organiser=True,
        capability=Capability.RARE_DONORS,
    ),
    CommandSpec(
        "thongbao",
        "thongbao",
        "announce",
        ("thông báo",),
        ("announce",),
        organiser=True,
        capability=Capability.ANNOUNCE,
    ),
    CommandSpec(
        "tiendo",
        "tiendo",
        "progress",
        ("tiến độ",),
        ("progress",),
        organiser=True,
        capability=Capability.ANNOUNCE,
    ),
    CommandSpec(
        "thongke",
        "thongke",
        "stats",
        ("thống kê", "báo cáo"),
        ("stats", "statistics", "report"),
        organiser=True,
        capability=Capability.STATS,
        takes_args=True,
    ),
    CommandSpec(
        "danhsach",
        "danhsach",
        "roster",
        ("danh sách",),
        ("roster",),
        organiser=True,
        capability=Capability.ROSTER,
        takes_args=True,
    ),
    CommandSpec(
        "taochiendich",
        "taochiendich",
        "newcampaign",
        ("tạo chiến dịch", "chiến dịch mới"),
        ("new campaign",),
        organiser=True,
        capability=Capability.CAMPAIGN,
    ),
    CommandSpec(
        "apphich",
        "apphich",
        "poster",
        ("áp phích",),
        ("poster",),
        organiser=True,
        capability=Capability.POSTER,
        takes_args=True,
    ),
    CommandSpec(
        "taoclb",
        "taoclb",
        "newclub",
        ("tạo câu lạc bộ", "tạo clb"),
        ("new club",),
        organiser=True,
        capability=Capability.CLUBS,
    ),
    # The organiser's web page (bot/web/pages.py): a one-time login link, for every role that has one.
    CommandSpec("web", "web", "web", organiser=True, capability=Capability.WEB),
    # /clb KEY shows the member list to organisers and to a club's leaders. Not an organiser command:
    # leaders are club members without an organiser role; handlers.clubs asks
    # models.clubs.can_see_members, and answers anyone else "organisers only".
    CommandSpec("clb", "clb", "clubs", ("câu lạc bộ",), ("clubs",), takes_args=True),
)

BY_KEY: dict[str, CommandSpec] = {spec.key: spec for spec in COMMANDS}
BY_NAME: dict[str, CommandSpec] = {name: spec for spec in COMMANDS for name in spec.names}

_END_PUNCTUATION = re.compile(r"[\s.!?…,;:]+$")


def name(key: str, lang: str) -> str:
    """ "/lichhien" for Vietnamese, "/schedule" for English."""
    return "/" + BY_KEY[key].name(lang)


def menu(lang: str, *, organiser: bool = False) -> list[tuple[str, str]]:
    """(name, key) of the commands in the menu of `lang`, in table order; organiser ones last."""
    shown = [s for s in COMMANDS if s.menu and not s.organiser]
    if organiser:
        shown += [s for s in COMMANDS if s.menu and s.organiser]
    return [(s.name(lang), s.key) for s in shown]


def typed_command(text: str, *, organiser: bool = False) -> tuple[str, str] | None:
    """`(key, args)` when the whole message is a command's words (plus an argument where it takes one).

    Organiser commands are read only from organisers: from anyone else "thông báo" or "khẩn cấp" is a
    message like any other.
    """
    words = text.split()
    folded = _END_PUNCTUATION.sub("", fold(text))
    if not folded:
        return None
    for spec in COMMANDS:
        if spec.organiser and not organiser:
            continue
        for word in spec.words:
            phrase = fold(word)
            if folded == phrase:
                return spec.key, ""
            if spec.takes_args and folded.startswith(phrase + " "):
                return spec.key, " ".join(words[len(phrase.split()) :])
    return None


def _check_table() -> None:
    """Two commands never share a slash name or a word (the table would be ambiguous)."""
    names = [n for spec in COMMANDS for n in spec.names]
    if len(names) != len(set(names)):
        raise ValueError(f"a slash name is used twice: {sorted(n for n in names if names.count(n) > 1)}")
    words = [fold(w) for spec in COMMANDS for w in dict.fromkeys(fold(x) for x in spec.words)]
    if len(words) != len(set(words)):
        raise ValueError(f"a word is used twice: {sorted(w for w in words if words.count(w) > 1)}")
    for n in names:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", n):  # what Telegram's setMyCommands accepts
            raise ValueError(f"/{n} is not a valid command name")
    for spec in COMMANDS:
        if spec.organiser != (spec.capability is not None):
            raise ValueError(f"/{spec.vi}: an organiser command names its capability, no other does")


_check_table()
