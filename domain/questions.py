"""The one entry point for a free-text message: what does the person want?

Order of the checks (the first that applies wins):

1. a message about something else than giving blood (below);
2. a request to act (:func:`domain.intents.detect_intent`: register, drives, my data…);
3. personal facts ("tôi 17 tuổi", "nặng 43kg", "mới xăm 2 tháng"): the injected
   ``facts_extractor`` returns something → a personal eligibility verdict is due;
4. a confident FAQ answer (:meth:`domain.faq_index.FaqIndex.confident`);
5. otherwise "not sure", with the three closest FAQ entries as suggestions.

A message about something else than giving blood (:mod:`domain.offtopic`: medicine
for a headache, organ donation, horoscopes) is "not sure", marked ``off_topic`` so that the
answer says it is not about giving blood and gives the hotline — never a blood-donation answer.

One refinement of 3: the extractor also finds a condition in a general question ("có hình xăm
có hiến được không", "uống thuốc kháng sinh có hiến được không", "tại sao lại thiếu máu").
When the message gives nothing specific about the person — no number, no date or time
("tuần trước", "hôm qua", "mới xăm", "2 months ago") — and the FAQ answers it confidently, the
FAQ answer wins: it explains the rule, and ends by saying the doctor at the drive decides.
Two exceptions: a permanent condition the person says they have ("tôi bị nhiễm HIV") and a
positive test result ("xét nghiệm dương tính") always get the verdict, which states the rule.

A second refinement: a condition named with no donation word, nothing specific and no word for
the asker — neither a pronoun nor a state word such as "bị", "đang", "từng", since Vietnamese
drops the subject ("đang bị cảm sốt") — is a general health question ("uống bia rượu có hại
không", "is fasting good for you"): no verdict.

A third: someone who has just donated ("vừa hiến xong có được uống bia không", "I gave blood this
morning, can I go to the gym") asks what to do after, which the FAQ answers; the verdict would only
tell them when they may donate again. When the only fact is a donation of the last days and the
message names donating once, with no "again", a confident FAQ answer wins.

The facts extractor is injected (``domain.facts.extract_facts`` with the rules bound, in the
application) so that this module does not depend on it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.eligibility import Person
from domain.faq_file import FaqEntry
from domain.faq_index import FaqIndex
from domain.intents import Intent, detect_intent
from domain.lexicon import canonical_tokens, mentions_domain
from domain.offtopic import is_off_topic

FactsExtractor = Callable[[str, date], object | None]


class Kind(StrEnum):
    VERDICT = "verdict"
    INTENT = "intent"
    FAQ = "faq"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Understanding:
    kind: Kind
    intent: Intent | None = None
    entry: FaqEntry | None = None
    facts: object | None = None
    suggestions: tuple[FaqEntry, ...] = ()
    off_topic: bool = False
    """Not about giving blood at all (with kind UNSURE and no suggestions)."""


SUGGESTIONS = 3
MAX_CHARS = 500
"""What `understand` reads of a message: a question is a sentence or two, and the matcher's work grows
with the text (100,000 characters took 17–25 s). The chat answers a longer message with a request to
ask briefly; any other caller gets the first MAX_CHARS characters understood."""

# A number, a date or a time in the past: what makes a question about oneself.
_SPECIFIC = re.compile(
    r"\d|\b(hom qua|hom kia|tuan truoc|tuan roi|thang truoc|thang roi|nam ngoai|nam truoc|"
    r"toi qua|dem qua|sang nay|cach day|lan cuoi|vua|moi (xam|tiem|sinh|khoi|uong|bi|hien|mo|"
    r"nho|xo|bam|phau|om|mac|di|o|tu|sang|ve)|yesterday|"
    r"last (week|month|year|night|time|donation|donated)|ago|recently|hoi thang|"
    r"(?:in|on|since|during) (?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december)|"
    r"just (got|had|gave|donated|finished)|duong tinh|positive|"
    # a time in words ("được nửa năm", "hai tháng", "on Monday"; not "sau", "năm", "tám": after, year,
    # about; not "bà nằm viện")
    r"nua (?:nam|thang)|(?:mot|hai|ba|bon|bay|chin|muoi|vai) (?:ngay|tuan|thang|nam(?! vien))|"
    r"(?:on|last|since) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|tomorrow|"
    # the day of the donation asked about ("ngày mai", "mai có hiến được không", "chiều nay")
    r"ngay mai|sang mai|chieu mai|mai (?:co |di )?hien|hom nay|trua nay|chieu nay|toi nay|"
    r"today|tonight|this morning)\b"
)
# A habit, of the asker when a pronoun comes before it ("tôi uống amlodipin mỗi ngày"; "uống thuốc tránh
# thai hằng ngày có ảnh hưởng tới…" asks the rule, and its "tới" folds as "tôi")
_HABIT = re.compile(r"\b(?:moi ngay|hang ngay|daily|every day|a day)\b")


# Who a message is about when it names a condition: "tôi/mình/em bị…", "I have…" — or, as
# Vietnamese drops the subject, a word for a state of the asker ("đang bị sốt", "từng bị lao").
_FIRST_PERSON = re.compile(
    r"\b(toi(?! (?:qua|nay|hom|truoc))|minh|em|tui|tao|i|im|ive|me|my|bi|mac|dang|tung|da|moi|vua|"
    r"nhiem|have|has|had|got|on|tested)\b"
)
"""("tối qua", "tối nay" fold to "toi" too: evenings, not the asker.)"""


# Someone in general as the subject: "người vừa phẫu thuật thì bao lâu sau mới hiến được", "mẹ mới sinh
# em bé…", "people who had covid…" — the rule is asked, not the asker's own case.
_LEAD = r"^(?:(?:cho (?:em|minh|toi|tui|chau) hoi|ad oi|admin oi|bot oi|xin hoi|hello|hi)\s+)*"
_SOMEONE = re.compile(
    rf"{_LEAD}(?:nhung |cac |mot )?(?:nguoi|phu nu|me|ba bau|ai|nguoi ta)\b"
    rf"|{_LEAD}taisao\b"  # "vì sao…", "why…": a reason for the rule is asked
    r"|\b(?:people|someone|somebody|anyone|a person|donors|women|mothers|those)\b"
)
# The asker by a pronoun (not "em bé", a baby; not the polite "cho em hỏi"; "me" first is "mẹ").
_ME = re.compile(r"\b(?:toi(?! (?:qua|nay|hom|truoc))|minh|em(?! be)|tui|tao|i|im|ive|my)\b|(?<=\s)me\b")
_ASKING = re.compile(r"\bcho (?:em|minh|toi|tui|chau) hoi\b")


def is_general(text: str) -> bool:
    """Whether the message asks about someone in general ("người vừa mổ…", "people who…") and not the
    asker: its "vừa", "mới", "had" tell that person's case, not facts for a verdict."""
    folded = " ".join(canonical_tokens(text))
    return bool(_SOMEONE.search(folded)) and not _ME.search(_ASKING.sub(" ", folded).strip())


def is_about_me(text: str) -> bool:
    """Whether a message speaks of the asker ("tôi", "mình", "em", "I", or a state: "đang bị",
    "từng", "mới"…): a condition named with none of this, no donation word and nothing specific is
    a general health question ("uống bia rượu có hại không", "is fasting good for you"), not facts
    for a verdict."""
    return bool(_FIRST_PERSON.search(" ".join(canonical_tokens(text))))


# "Phải chờ bao lâu mới hiến được": after a wait, "mới" is "only then", not "just" ("mới hiến" = just
# donated).
_ONLY_THEN = re.compile(
    r"\b(?:baolau|cho|doi|sau)\b.*?\b(moi) "
    r"(?=(?:duoc )?(?:hien|di hien|lay|cho mau)\b)"
)


def is_specific(text: str) -> bool:
    """Whether the message tells something specific about the person (a number, a time, a habit)."""
    folded = " ".join(canonical_tokens(text))
    only_then = _ONLY_THEN.search(folded)
    if only_then is not None:
        folded = folded[: only_then.start(1)] + folded[only_then.end(1) :]
    habit = _HABIT.search(folded)
    return bool(_SPECIFIC.search(folded)) or bool(habit and _ME.search(folded[: habit.start()]))


# Donating named twice, or with "again", asks about the next donation ("cho" is left out: "cho mình hỏi")
_DONATING = frozenset({"hien", "donat", "donate", "donation", "give", "giv", "gave", "given"})
_AGAIN = re.compile(r"\b(?:lan (?:toi|sau|tiep|ke)|again|next)\b")
JUST_DONATED_DAYS = 3


def asks_after_donating(text: str, facts: object, today: date) -> bool:
    """Whether the message is from someone who has just donated, asking what to do after: the only
    fact is a donation of the last `JUST_DONATED_DAYS` days, and donating is named once, not again."""
    if not isinstance(facts, Person) or facts.last_donation_on is None:
        return False
    if (today - facts.last_donation_on).days > JUST_DONATED_DAYS:
        return False
    only = Person(last_donation_on=facts.last_donation_on, last_donation_kind=facts.last_donation_kind)
    if dataclasses.replace(facts, advice=frozenset()) != only:
        return False
    tokens = canonical_tokens(text)
    named = sum(t in _DONATING for t in tokens)
    return named <= 1 and not _AGAIN.search(" ".join(tokens))


def understand(
    text: str,
    *,
    index: FaqIndex,
    today: date,
    facts_extractor: FactsExtractor | None = None,
) -> Understanding:
    """Decides how to answer one free-text message (its first `MAX_CHARS` characters)."""
    text = text[:MAX_CHARS]
    if is_off_topic(text):  # before the requests: "where can I donate books" is not the drives list
        return Understanding(Kind.UNSURE, off_topic=True)
    intent = detect_intent(text)
    if intent is not None:
        return Understanding(Kind.INTENT, intent=intent)
    entry = index.confident(text)
    if facts_extractor is not None:
        facts = facts_extractor(text, today)
        if not (mentions_domain(text) or is_specific(text) or is_about_me(text)):
            facts = None  # a health question that is not about giving blood nor about the asker
        permanent = isinstance(facts, Person) and bool(facts.permanent)
        specific = is_specific(text) and not is_general(text)
        if entry is not None and asks_after_donating(text, facts, today):
            facts = None
        if facts is not None and (entry is None or permanent or specific):
            return Understanding(Kind.VERDICT, facts=facts)
    if entry is not None:
        return Understanding(Kind.FAQ, entry=entry)
    closest = tuple(index.entry(m.entry_id) for m in index.match(text, limit=SUGGESTIONS))
    return Understanding(Kind.UNSURE, suggestions=closest)
