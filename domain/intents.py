"""Requests to act, told apart from questions: "tôi muốn đăng ký" is a wish, answered by starting
the registration; "đăng ký hiến máu như thế nào" is a question, answered by the FAQ.

The rule, applied to every intent: a message is a request when it consists of the request's
key phrase plus only "harmless" words (pronouns, particles, politeness, the domain words,
small time/place modifiers for drives). Anything else — above all a question word ("như thế
nào", "làm sao", "how", "ở đâu" for registration, "thủ tục") — leaves it to the FAQ. The
schedule of drives is the exception: "hiến máu ở đâu", "khi nào có đợt hiến máu", "where can I
donate" ask for the schedule, which the ``drives`` handler shows, so place and time words are
part of that request. A greeting or thanks followed by a real question ("chào bạn, hiến máu có
đau không") is the question. What the message says about a relative is left out first
(:mod:`domain.relatives`): "vợ tôi đang mang thai, tôi có hiến được không" asks to check the
asker.

Matching works on :func:`domain.lexicon.canonical_tokens`, so diacritics, chat shorthand and
"đăng kí"/"đăng ký" spellings do not matter.
"""

from __future__ import annotations

import re
from enum import StrEnum

from domain.lexicon import DOMAIN_WORDS, canonical_tokens, word_set
from domain.relatives import without_relatives


class Intent(StrEnum):
    REGISTER = "register"
    DRIVES = "drives"
    CANCEL_SIGNUP = "cancel_signup"
    CHANGE_SIGNUP = "change_signup"
    MY_DATA = "my_data"
    DELETE_DATA = "delete_data"
    SELF_CHECK = "self_check"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    MY_BOOKINGS = "my_bookings"
    REMINDERS = "reminders"
    LANGUAGE = "language"
    PROFILE = "profile"


# Words that may surround a request without changing it.
_HARMLESS = (
    word_set(
        "toi minh em anh chi ban to tui tao ta chung ad admin bot i me my you we us a oi nhe nha "
        "nhi ne vay day di voi luon nao ha nhen hen xin vui long lam on giup dum gium ho please now "
        "ngay bay gio thi la ok vang da u uhm yes cho the co id ive ill hi hello chao"
    )
    | DOMAIN_WORDS
)

_QUESTION = re.compile(
    r"\b(nhu the nao|the nao|lam sao|lam the nao|lamthenao|ra sao|cach|thu tuc|o dau|o cho nao|"
    r"can gi|can nhung gi|bao lau|baolau|co phuc tap|how|where|what|which|why|taisao|when|"
    r"co duoc khong|duoc khong|phai lam gi)\b"
)


def _residual(text: str, phrases: list[str], extra: frozenset[str] = frozenset()) -> list[str]:
    """Words of ``text`` left after removing the key phrases and the harmless words."""
    for phrase in phrases:
        text = re.sub(rf"\b{phrase}\b", " ", text)
    return [w for w in text.split() if w not in _HARMLESS and w not in extra]


_REGISTER = [
    r"dang ky( lam)?( nguoi)?( hien( mau)?)?( tinh nguyen)?",
    r"sign (me )?up",
    r"register( me)?",
    r"(muon|mong muon|xin) (duoc )?(di )?(tham gia )?hien( mau)?",
    r"(muon|xin) tham gia( hien mau)?",
    r"tham gia hien mau",
    r"(want|would like|wd like|d like|like) to (donate|give blood|register|sign up)( blood)?",
    r"i am in",
]
# "đăng ký cho mình làm người hiến máu", "sign me up as a donor"
_REGISTER_EXTRA = word_set(
    "dot nay tuan thang sap toi lan nua muon want am lam nguoi as donor tinh nguyen like lan dau tham gia"
)

_DRIVES = [
    r"(?<!du )\blich\b",  # "du lịch" is travel
    r"\bdot (?:hien|nay|toi|sau|tiep|moi|nao|gan)\b|\b(?:cac|nhung|may) dot\b",  # "đợt", not "đột quỵ"
    r"ngay hoi",
    r"\b(?:buoi|dot|cho|noi) (?:hien|lay)(?: mau)? nao\b",  # "có buổi hiến máu nào không"
    r"\bco (?:buoi|dot|chuong trinh) (?:hien|lay)\b",  # "mai có buổi hiến máu không"
    # "tuần này có hiến máu không" (is there one), not "mai có hiến máu được không" (may I)
    r"\b(?:hom nay|ngay mai|mai|tuan nay|tuan sau|thang nay|cuoi tuan) co (?:hien|lay) mau\b(?! duoc)",
    r"\bis there (?:a|any) (?:blood )?(?:drive|donation)\b|\bany (?:blood )?drives?\b",
    r"\bo dau\b",
    r"\btai dau\b",
    r"\b(?:di|den) dau\b",  # "đi đâu để hiến máu" (not "máu hiến đi đâu": `_DRIVES_NOT`)
    r"cho nao",
    r"diem hien mau nao",
    r"dia diem",
    r"gan (day|nha|nhat|toi|minh|em)",
    r"khi nao",
    r"bao gio",
    r"sap toi",
    r"\bwhere\b",
    r"\bnearest\b",
    r"\bnear me\b",
    r"blood drive",
    r"\bdrives\b",
    r"\bschedule\b",
    r"next (blood )?drive",
    r"when is the next",
]
# Questions about a fixed site, registration or results are FAQ topics, not the schedule.
_DRIVES_NOT = re.compile(
    r"\b(co dinh|benh vien|hospital|dang ky|register|sign up|ket qua|result|dubi|"
    # papers ("giấy tờ"), not the district of Cầu Giấy
    r"bao lau|baolau|lau|interval|again|lai|(?<!cau )giay|chung nhan|xet nghiem|permanent|fixed|step|"
    r"process|"
    r"happen|expect|quy trinh|cac buoc|chuan bi|prepare|bring|mang|huyethoc|truyen mau|trung ?tam|"
    r"institute|centre|center|hematology|clb|cau lac bo|club|"
    # what to bring, the check-in code, how long it takes, sites open outside the drives
    r"papers?|documents?|passport|take(?! part)|ma so|ma qr|qr|code|ma nhan dien|how long|wait|"
    r"outside|ngoai|hang ngay|moi ngay|ngay thuong|weekdays?|any day|every day|"
    # a site open all week, or donating only at a drive ("chỉ hiến được khi có ngày hội")
    r"ca tuan|chi (?:\w+ ){0,3}khi co|"
    # call-outs for an emergency ("khi nào bot gọi đi hiến khẩn cấp"): the call-outs entry
    r"khan cap|call outs?|callouts?|emergency|"
    # whether one must book ("có cần đặt lịch không"), a question about booking, not the list
    r"co can (?:phai )?(?:dat|hen)|can phai (?:dat|hen)|(?:need|have) to book|"
    # where the donated blood goes ("máu hiến đi đâu"), not where to go ("đi đâu hiến máu")
    r"blood (?:go|goes|end up|ends up)|mau(?: (?!thi\b|de\b|nen\b|phai\b|can\b)[a-z]+){0,5} di dau|"
    r"(?<!dot )(?<!buoi )hien (?:mau )?tiep(?! theo)|"  # donating again, not "đợt hiến tiếp (theo)"
    # a wait ("bao giờ mới cho máu được"), "ever" ("có khi nào bị lấy nửa lít"), getting ready, platelets
    # (the apheresis entry says where), and a drive as the place or time of another question ("are smokers
    # turned away at blood drives", "what should I eat before a blood drive")
    r"(?:bao gio|khi nao) moi|co khi nao|sua soan|tieu cau|platelets?|apheresis|huyet tuong|plasma|"
    # a difference ("khác nhau chỗ nào"), never ("chưa bao giờ"), a vaccine ("tiêm ngừa cúm… dời lịch")
    r"khac nhau|\bchua\b(?: \w+){0,5} (?:tung|bao gio)|tiem|vac xin|duoc dua di dau|trinh tu|dien ra|"
    # the asker's own case: a period, "đi được không" (may I go)
    r"kinh nguyet|di duoc khong|"
    r"(?:at|before|after) (?:anh |the )?blood drives?)\b"  # "a" reads as "anh"
)

# "Xem hồ sơ của tôi" is the profile (/hoso: each field with its edit button), not everything stored.
_MY_DATA = re.compile(
    r"\b(xem|kiem tra|coi|hien thi|show|view|see|check|xuat|export|download|tai(?! sao| khoan))\b.*"
    r"\b(thong tin|du lieu|data|info|information)\b|^\W*(my data|mydata)\W*$"
)
# "…toàn bộ dữ liệu bạn đang lưu về mình", "export the data you have on me", "… ra file"
_MY_DATA_EXTRA = word_set(
    "xem kiem tra coi show view see check thong tin du lieu ho so data info information "
    "profile cua ca nhan personal tat ca all minh hien tai ve xuat export download tai ra file "
    "toan bo het everything dang luu giu store stored keep kept hold have has on about the hien thi ma "
    "ve gi nhung trong stor"
)
# "Show me what data you have on me" asks to be shown, not what is kept in general (the privacy entry).
_SHOW_ME_WHAT = re.compile(r"\b(show|tell|give) me what\b")
_DELETE = re.compile(
    r"\b(xoa|delete|remove|erase|forget|huy)\b.*\b(du lieu|thong tin|tai khoan|ho so|data|"
    r"account|me|profile|information|info|so dien thoai)\b"
)
_DELETE_EXTRA = word_set(
    "xoa delete remove erase forget huy du lieu thong tin tai khoan ho so data account "
    "profile information info so dien thoai cua ca nhan het tat ca all muon want dang ky khoi "
    "personal mine di bo and va everything toan bo he thong system you stored store stor everyth about "
    "keep kept have from your record records dung nua khong"
)
# "Tôi muốn hủy lịch hẹn", "cancel my booking": the sign-ups, each with its cancel button. Not "/huy"
# (that stops a dialogue), and not erasure ("hủy đăng ký, xóa hết thông tin" names the data).
_CANCEL_SIGNUP = re.compile(
    r"\b(huy|cancel|bo)\b.*\b(lich|hen|buoi|suat|dang ky|book|appointment|signup|sign up|slot)\b"
)
# "hủy lịch mình đã đặt", "mai bận rồi, hủy giúp mình slot đã đăng ký"
_CANCEL_SIGNUP_EXTRA = word_set(
    "huy bo cancel lich hen buoi dang ky book appointment signup sign up slot cua muon want would like "
    "to nay toi mai hom tuan sau kia ngay gio khong di duoc nua minh em can could da dat roi ban viec suat "
    "dot xuat cant make it someth came up for next monday tuesday wednesday thursday friday saturday sunday"
) | word_set(
    # the day of the slot: "hủy lịch hiến máu thứ 7 của mình"
    "thu chu nhat cn sang trua chieu t2 t3 t4 t5 t6 t7 2 3 4 5 6 7 8"
)
# "… được không" after a request: asking politely, not a question about it
_MAY_I = re.compile(r"\b(co )?duoc khong\b")
# "How do I…", "làm sao để…" before a request to act: asking how to do what the bot does at once.
_HOW_TO = re.compile(
    r"^(?:(?:vay |cho (?:minh|toi|em) hoi )?(?:lam sao|lam the nao|lamthenao|bang cach nao|cach nao) (?:de )?"
    r"|how (?:do|can|should) (?:i|we) |how to )"
)
_BOOKING = re.compile(r"\b(lich|hen|buoi|suat|hien|mau|book|booking|appointment|signup|slot|donation)\b")
# "Tôi muốn đổi lịch", "đổi giờ hẹn", "reschedule my booking": the sign-ups with change-time buttons.
_CHANGE_SIGNUP = re.compile(
    r"\b(doi|change|move|chuyen)\b.*\b(lich|hen|gio|buoi|book|appointment|signup|slot|time)\b"
    r"|\breschedule\b"
)
# The new time may be said: "sang chiều thứ 7", "to a later time", "sang ngày khác".
_CHANGE_SIGNUP_EXTRA = word_set(
    "doi chuyen change move reschedule lich hen gio buoi book appointment signup slot time cua muon "
    "want would like to sang khac another other nay toi mai hom tuan sau kia ngay minh em duoc khong can "
    "could da dat roi later earlier different new sang trua chieu thu chu nhat cn morning afternoon need "
    "next ban do evening day week monday tuesday wednesday thursday friday saturday sunday hai ba tu nam "
    "sau bay t2 t3 t4 t5 t6 t7 2 3 4 5 6 7 8"
)
# The requests of the commands /nhacnho, /ngonngu, /lichcuatoi and /hoso said as a sentence.
_REMINDERS = re.compile(
    r"\b(tat|bat|mo|ngung|dung|huy|turn off|turn on|stop|disable|enable)\b.*\b(nhac nho|nhac lich|nhac|"
    r"reminder)\b"
)
_REMINDERS_EXTRA = word_set(
    "muon want would like tat bat mo lai ngung dung huy turn off on stop disable enable nhac nho "
    "lich thong bao cua giup the all reminder nua het send sending gui get getting receive tin nhan loi for "
    "khi den han dao hoi ban nay thank thanks cam on"
)
_LANGUAGE = re.compile(
    r"\b(doi|chuyen|change|switch|dung|noi|speak|use|talk)\b.*\b(ngon ngu|tieng anh|tieng viet|english|"
    r"vietnamese|language)\b"
)
_LANGUAGE_EXTRA = word_set(
    "muon want would like doi chuyen change switch dung noi speak use talk ngon ngu tieng anh viet "
    "english vietnamese language sang qua ve to in can khong could"
)
_MY_BOOKINGS = re.compile(
    r"\b(lich hen|lich (hien mau )?(cua (toi|minh|em)|da dat)|"
    r"(?:my|show) (?:booked |book )?(?:bookings?|slots?|signups?|appointments?)|"
    r"show me (?:the |my )?(?:slots?|bookings?|book|appointments?)|"
    # "mình đã đặt những lịch hiến nào rồi", "xem lại khung giờ mình đã đặt"
    r"da (?:dat|book) (?:nhung |cac )?(?:lich|khung gio|slot|buoi|suat)"
    r"|(?:lich|khung gio|slot|buoi|suat)(?: hien(?: mau)?)?(?: (?:toi|minh|em))? da (?:dat|book))\b"
)
_MY_BOOKINGS_EXTRA = word_set(
    "muon want would like xem coi show view see check lich hen hien mau da dat cua booking signup "
    "appointment all tat ca nhung cac sap toi upcoming nao roi lai khung gio slot slots book booked suat may "
    "so far can you me the"
)
# "Where do I see my bookings": a request to see them, asked as a question
_WHERE_TO_SEE = re.compile(r"\b(?:where|how) (?:do|can) i (?:see|find|view|check|look at)\b")
_PROFILE = re.compile(
    r"\b(sua|doi|cap nhat|thay doi|edit|update|change)\b.*\b(ho so|so dien thoai|can nang|nhom mau|"
    r"dia chi|ho ten|ten|phuong|xa|profile|phone|weight|address|name|ward|details?)\b"
    r"|\b(xem|coi|show|view|see|check|mo)\b.*\b(ho so|profile)\b"
    r"|^\W*(ho so|profile) (cua (toi|minh|em)|ca nhan)\W*$|^\W*my profile\W*$"
)
_PROFILE_EXTRA = word_set(
    "muon want would like sua doi cap nhat thay edit update change ho so so dien thoai can nang nhom "
    "mau dia chi profile phone number weight address cua trong in lai moi xem coi show view see check "
    "mo ca nhan ten ho phuong xa name full my ward and va thanh sang to detail details chuyen nha need roi"
) | word_set(
    # the new blood group: "cập nhật nhóm máu của mình thành O+"
    "nhoma nhomb nhomab nhomo rh duong am"
)
_SELF_CHECK = [
    r"kiem tra( xem)?",
    r"du dieu kien",
    r"(am i|is it ok for me|check if i|can i|could i|may i)( still)?( be)?( eligible)?",
    r"\beligible\b",
    r"eligibility check(?: for me)?",
    r"(?:know|see|tell me) (?:if|whether) i can",
    r"duoc( khong| chua| nua khong)",
    r"co the",
]
# A donation planned ("tôi định đi hiến máu tuần sau có được không") is still "can I donate?".
_SELF_CHECK_EXTRA = word_set(
    "khong chua duoc nua con xem if to check can could dinh du sap se tuan thang sau mai toi nay run "
    "eligibility know going plan planning next week tomorrow am right whether tu gio muon want check thu lai"
)
_SELF_WORDS = word_set("toi minh em tui i me my")
_HELP = re.compile(
    r"^\W*(help|tro giup|giup do|huong dan|huong dan su dung|menu|commands?|start|"
    r"what can you do|how do(es)? (this|the) bot work|how to use( this| the)?( bot)?)\W*$"
    r"|\b(ban|bot|chatbot|app|ung dung)( nay)?( co the)? lam (duoc )?(gi|nhung gi)\b"
    r"|\b(bot|chatbot|app|ung dung)( nay)? (dung|su dung)\b"
    r"|\bsu dung (bot|chatbot|ung dung)\b"
    r"|\b(?:ban|bot|chatbot)(?: nay)? (?:giup|ho tro) (?:duoc )?(?:gi|nhung gi|duocgi)\b"
    r"|\bwhat can (?:you|the bot|this bot) do\b|\bhow (?:do|can) i use (?:this|it|you|the bot)\b"
    r"|\b(?:nhung|cac) lenh\b|\bdanh sach (?:cac )?lenh\b|\blist (?:(?:the|all|your|of) )*commands?\b"
    r"|^\W*huong dan (?:minh|toi|em)\b"
)
_HELP_EXTRA = word_set(
    "help tro giup giup do huong dan su dung menu command start what can do how work use the "
    "this nay lam duoc gi nhung co the nhu nao sao ra dung chatbot app ung lenh cac and it you list all your "
    "danh sach xem cua giup ho tro vay show me the duocgi"
)
_GREETING = [
    r"xin chao",
    r"chao( buoi)?( sang| trua| chieu| toi)?",
    r"hello",
    r"helo",
    r"hallo",
    r"\bhi\b",
    r"\bhey\b",
    r"\balo\b",
    r"\balo+\b",
    r"good (morning|morn|afternoon|evening)",
    r"\byo\b",
]
_THANKS = [
    r"cam on",
    r"thanks?( you| u)?",
    r"thank you",
    r"many thanks",
]
_THANKS_EXTRA = word_set(
    "nhieu lam rat so much a lot very ok great good tot qua hay that this it help helpful useful huu ich was "
    "really hieu roi thong tin ho tro support giup duoc"
)
# "hello there", "chào cả nhà"
_GREETING_EXTRA = word_set("there everyone all ca nha moi nguoi good morn chuc buoi sang vui ve vao lan dau")


def detect_intent(text: str) -> Intent | None:
    """The request in a free-text message, or ``None`` when it is a question or off-topic."""
    rest = without_relatives(text)
    tokens = canonical_tokens(rest.replace("cám ơn", "cảm ơn"))
    if not tokens:
        return None
    s = " ".join(tokens)
    asks = bool(_QUESTION.search(s))
    # "Đổi giờ hiến máu được không?", "hủy lịch được không", "làm sao để hủy lịch", "how do I cancel my
    # booking": a polite request to act, answered by acting (when it names the booking: "đổi giờ làm được
    # không" is about work).
    how_to_bare = _HOW_TO.sub("", s).strip()
    bare = _MAY_I.sub(" ", how_to_bare).strip()
    polite = asks and not _QUESTION.search(bare) and bool(_BOOKING.search(s))
    # "How do I turn off the reminders", "làm sao để đổi ngôn ngữ": asking how to set something is
    # asking for it (erasing and showing one's data stay questions: the privacy entry explains them).
    how_to = how_to_bare != s and not _QUESTION.search(how_to_bare)
    setting = how_to_bare if how_to else s

    if _DELETE.search(s) and not asks and not _residual(s, [], _DELETE_EXTRA):
        return Intent.DELETE_DATA
    # "Xuất dữ liệu của tôi ra file được không" asks for it; "làm sao để xem dữ liệu" is for the FAQ.
    asked_for = _SHOW_ME_WHAT.sub(r"\1 me", _MAY_I.sub(" ", s)).strip()
    if (
        _MY_DATA.search(s)
        and not _QUESTION.search(asked_for)
        and not _residual(asked_for, [], _MY_DATA_EXTRA)
    ):
        return Intent.MY_DATA
    if _REMINDERS.search(s) and (how_to or not asks) and not _residual(setting, [], _REMINDERS_EXTRA):
        return Intent.REMINDERS
    if _LANGUAGE.search(s) and not _residual(setting, [], _LANGUAGE_EXTRA):
        return Intent.LANGUAGE
    if _PROFILE.search(s) and (how_to or not asks) and not _residual(setting, [], _PROFILE_EXTRA):
        return Intent.PROFILE
    if (
        _MY_BOOKINGS.search(s)
        and (not asks or _WHERE_TO_SEE.search(s))
        and not _residual(s, [_WHERE_TO_SEE.pattern], _MY_BOOKINGS_EXTRA)
    ):
        return Intent.MY_BOOKINGS
    acted = bare if polite else s
    if _CANCEL_SIGNUP.search(s) and (polite or not asks) and not _residual(acted, [], _CANCEL_SIGNUP_EXTRA):
        return Intent.CANCEL_SIGNUP
    if _CHANGE_SIGNUP.search(s) and (polite or not asks) and not _residual(acted, [], _CHANGE_SIGNUP_EXTRA):
        return Intent.CHANGE_SIGNUP
    registers = any(re.search(rf"\b{p}\b", s) for p in _REGISTER)
    if registers and not asks and not _residual(s, _REGISTER, _REGISTER_EXTRA):
        return Intent.REGISTER
    names_domain = any(t in DOMAIN_WORDS or t in {"drive", "drives"} for t in tokens)
    if names_domain and not _DRIVES_NOT.search(s) and any(re.search(p, s) for p in _DRIVES):
        return Intent.DRIVES
    if _HELP.search(s) and not _residual(s, [], _HELP_EXTRA):
        return Intent.HELP
    checks = any(re.search(rf"\b{p}\b", s) for p in _SELF_CHECK)
    about_me = names_domain or "kiem tra" in s or "dieu kien" in s or "eligib" in s
    # "bạn mình là người Hàn, có đi hiến được không": the friend is asked about, unless the asker speaks
    # of themselves after ("vợ tôi đang mang thai, tôi có hiến được không")
    of_relative = rest != text and not _SELF_WORDS & set(tokens)
    if checks and about_me and not of_relative and not _residual(s, _SELF_CHECK, _SELF_CHECK_EXTRA):
        return Intent.SELF_CHECK
    if any(re.search(rf"\b{p}\b", s) for p in _THANKS) and not _residual(s, _THANKS, _THANKS_EXTRA):
        return Intent.THANKS
    if any(re.search(rf"\b{p}\b", s) for p in _GREETING) and not _residual(s, _GREETING, _GREETING_EXTRA):
        return Intent.GREETING
    return None
