"""Which language a free-text question is written in: answer it in that language.

A person whose chat is in Vietnamese (the default for a new user) who writes "can I donate if I
had a cold last week?" wants the answer in English, and the other way round. A message is
Vietnamese when it has Vietnamese letters (ă â đ ê ô ơ ư or a tone mark) or Vietnamese words
typed without marks ("khong", "duoc", "hien mau"); it is English when it has no Vietnamese letters
and at least two English words, more than Vietnamese ones. Anything else — "ok", "AB+",
"O rh am" — is left to the chat's language (``None``).
"""

from __future__ import annotations

import re
import unicodedata

from domain.lexicon import word_set

__all__ = ["question_language"]

_ENGLISH = word_set(
    "i i'm im i've me my you your we our it is are am was were be been do does did can could "
    "should would will the a an and or if of for to in on at with after before about how what "
    "when where which who why long much many often there this that any blood donate donating "
    "donation donor give giving gave given had have has get got take takes still again ago last "
    "week month year day days weeks months years time old weight weigh pregnant tattoo cold flu "
    "sick fever hurt safe help please thanks thank hello hi yes no not don't dont can't cant "
    "want like need just"
)
_VIETNAMESE = word_set(
    "khong ko k dc duoc hien mau toi minh em anh chi ban co la thi gi nao sao nhu the bao nhieu "
    "lau roi chua nua vay a nhe nha oi cho cua voi va hay neu khi sau truoc di den lam bi dang "
    "mot hai ba nam thang tuan ngay tuoi can nang xong moi vua"
)
_WORD = re.compile(r"[a-z']+")


def _has_vietnamese_letters(text: str) -> bool:
    return any(ch == "đ" or "\u0300" <= ch <= "\u036f" for ch in unicodedata.normalize("NFD", text.lower()))


def question_language(text: str) -> str | None:
    """``"vi"``, ``"en"`` or ``None`` when the message does not tell (see the module doc)."""
    if _has_vietnamese_letters(text):
        return "vi"
    words = _WORD.findall(text.lower())
    english = sum(w in _ENGLISH for w in words)
    vietnamese = sum(w in _VIETNAMESE and w not in _ENGLISH for w in words)
    if english >= 2 and english > vietnamese:
        return "en"
    if vietnamese >= 2 and vietnamese > english:
        return "vi"
    return None
