"""Answers to free-text questions: the FAQ data files, their checks, and the matcher.

Data: ``data/faq.vi.toml`` and ``data/faq.en.toml`` hold the same entry ids; each entry has
typical phrasings (``questions``) and a plain-text ``answer``. :func:`load_faq` reads one file
and raises :class:`FaqError` listing every schema problem with its ``file:line``;
:func:`check_faq_files` also compares the languages and lints (NFC, question counts, the same
question under two ids) for ``donorbot faq check``.

Matching (:class:`FaqIndex`) works on *features* of a message, computed by :func:`features`:

1. :func:`canonical_tokens` folds the text (lower case, no diacritics, đ→d), splits digits
   from letters, maps synonyms of a whole phrase to one name ("nhậu" → rượu bia, "đến tháng" →
   kinh nguyệt, "blood type" → blood group, "thuốc lá" ≠ "thuốc") and expands chat shorthand
   (``ko``/``k``/``hok``/``hông`` → khong, ``dc``/``đc`` → duoc, ``bn`` → bao lâu/bao nhiêu
   before a quantity else bạn, ``j`` → gi, ``ntn`` → nhu the nao, ``hm`` → hien mau, ``vs`` →
   voi, ``mk``/``mik`` → minh, ``e``/``a`` → em/anh, ``kg`` → khong unless after a number…);
   English is crudely stemmed (Vietnamese syllables never end in -s, -ed, -ing).
2. Stop words (pronouns, particles ạ/ơi/nhé/vậy/thế/à/ha, function words) are dropped.
   Domain words ("hiến", "máu", "donate", "blood"…) are in every question, so they are never
   unigram features: they only take part in bigrams ("nhom_mau", "hien_lai").
3. Features are the remaining words, bigrams of neighbouring ones, and — for words typed with
   diacritics — the word with its marks (``~``), so that "đau" (pain) beats "đâu" (where);
   a folded match whose marks differ from the message's counts only 30 %.

Three scorers were measured on ``tests/data/faq_eval.tsv`` (367 lines, written before the
matcher; 52 entries, both languages' questions indexed; ``bench/faq.py --method all``):

* ``fuzzy`` — rapidfuzz ``max(token_set_ratio, ratio)`` between the content words of the
  message and of each question, best question per entry. Top-1 of the right entry on the 240
  FAQ lines 0.69; with the threshold tuned for it: accuracy 0.66 (FAQ+intent lines),
  not-sure on off-topic 1.00, p95 1.9 ms. It rewards shared letters, not shared meaning.
* ``bm25`` — BM25 (k1=0.3, b=0.75; one document per entry, i.e. all its questions) over the
  features, normalised by the score of a document holding every feature of the message once,
  words unknown to the index counting at 0.75 × the highest idf: 1.0 ≈ "everything the
  message says is in this entry". Top-1 0.91; accuracy 0.90, not-sure 0.98, p95 0.4 ms.
* ``combined`` — 0.7 × bm25 + 0.3 × fuzzy: top-1 0.92, accuracy 0.90, not-sure 0.98, p95 2.0 ms.

``bm25`` is the default: the combination buys one more right top-1 out of 240 but no accuracy
after the confidence rules, at five times the time. (Tuning — synonyms, stop words, k1, b,
threshold, margin — was done against that eval set, so these figures are optimistic.)

A match is *confident* only if its score reaches :attr:`FaqIndex.threshold` (0.4), beats the
runner-up by :attr:`FaqIndex.margin` (0.03), and the message is about blood donation — it names
it or uses a word only that talk uses (needle, haemoglobin, this bot's data…) — or shares at
least two topics with the entry: "bạn bao nhiêu tuổi" shares "tuổi" with the age entry but is
small talk.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from domain.text import fold

MAX_ANSWER_CHARS = 900
MIN_QUESTIONS = 4
MAX_QUESTIONS = 8
MAX_ID_CHARS = 40  # a suggestion's button carries `faq:<id>`, and Telegram takes at most 64 bytes
_ID = re.compile(rf"^[a-z][a-z0-9_]{{0,{MAX_ID_CHARS - 1}}}$")
_KEYS = {"id", "topic", "questions", "answer", "source"}

Method = Literal["bm25", "fuzzy", "combined"]


class FaqError(ValueError):
    """A FAQ file that cannot be used; ``problems`` are "file:line: message" strings."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    source: str = ""


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float


# --------------------------------------------------------------------------- loading


def _entry_lines(raw: str) -> list[tuple[int, dict[str, int]]]:
    """For each ``[[entry]]`` header in order: its line and the lines of its keys."""
    found: list[tuple[int, dict[str, int]]] = []
    key = re.compile(r"^\s*([A-Za-z_]+)\s*=")
    for number, line in enumerate(raw.splitlines(), start=1):
        if re.match(r"^\s*\[\[\s*entry\s*\]\]", line):
            found.append((number, {}))
        elif found and (m := key.match(line)):
            found[-1][1].setdefault(m.group(1), number)
    return found


def _parse(path: Path) -> tuple[list[tuple[FaqEntry, int]], list[str]]:
    """The well-formed entries with the line of their ``[[entry]]``, and the problems."""
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{name}: cannot read: {exc}"]
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{name}: invalid TOML: {exc}"]
    lines = _entry_lines(raw)
    problems: list[str] = []
    items = data.get("entry")
    if not isinstance(items, list) or not items:
        return [], [f"{name}:1: no [[entry]] tables"]
    entries: list[tuple[FaqEntry, int]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        start, keys = lines[index] if index < len(lines) else (0, {})

        def at(key: str, start: int = start, keys: dict[str, int] = keys) -> str:
            return f"{name}:{keys.get(key, start)}"

        if not isinstance(item, dict):
            problems.append(f"{name}:{start}: entry is not a table")
            continue
        bad = len(problems)
        for missing in sorted({"id", "topic", "questions", "answer"} - item.keys()):
            problems.append(f"{at('id')}: entry #{index + 1} has no '{missing}'")
        for unknown in sorted(item.keys() - _KEYS):
            problems.append(f"{at(unknown)}: unknown key '{unknown}'")
        eid, topic = item.get("id"), item.get("topic", "")
        questions, answer, source = item.get("questions"), item.get("answer"), item.get("source", "")
        label = f"entry '{eid}'" if isinstance(eid, str) else f"entry #{index + 1}"
        if "id" in item and (not isinstance(eid, str) or not _ID.match(eid)):
            problems.append(
                f"{at('id')}: id must be lower_snake_case text of at most {MAX_ID_CHARS} characters, "
                f"got {eid!r}"
            )
        elif isinstance(eid, str):
            if eid in seen:
                problems.append(f"{at('id')}: duplicate id '{eid}' (first at line {seen[eid]})")
            else:
                seen[eid] = keys.get("id", start)
        if not isinstance(topic, str) or ("topic" in item and not topic.strip()):
            problems.append(f"{at('topic')}: {label}: topic must be non-empty text")
        if "questions" in item and (
            not isinstance(questions, list)
            or not questions
            or not all(isinstance(q, str) and q.strip() for q in questions)
        ):
            problems.append(f"{at('questions')}: {label}: questions must be non-empty texts")
        if "answer" in item:
            if not isinstance(answer, str) or not answer.strip():
                problems.append(f"{at('answer')}: {label}: empty answer")
            elif len(answer.strip()) > MAX_ANSWER_CHARS:
                problems.append(
                    f"{at('answer')}: {label}: answer has {len(answer.strip())} characters,"
                    f" at most {MAX_ANSWER_CHARS}"
                )
        if not isinstance(source, str):
            problems.append(f"{at('source')}: {label}: source must be text")
        if len(problems) == bad:
            assert isinstance(eid, str)
            assert isinstance(questions, list)
            assert isinstance(answer, str)
            assert isinstance(topic, str)
            assert isinstance(source, str)
            entry = FaqEntry(
                id=eid,
                topic=topic.strip(),
                questions=tuple(q.strip() for q in questions),
                answer=answer.strip(),
                source=source.strip(),
            )
            entries.append((entry, start))
    return entries, problems


def load_faq(path: str | Path) -> list[FaqEntry]:
    """Reads one FAQ file; raises :class:`FaqError` listing every schema problem."""
    entries, problems = _parse(Path(path))
    if problems:
        raise FaqError(problems)
    return [entry for entry, _ in entries]


def check_faq_files(paths: Sequence[str | Path]) -> list[str]:
    """Every problem in the given FAQ files (one per language), as "file:line: message"."""
    problems: list[str] = []
    ids: dict[str, dict[str, int]] = {}
    for p in paths:
        path = Path(p)
        entries, found = _parse(path)
        problems.extend(found)
        owners: dict[str, str] = {}
        for entry, line in entries:
            where = f"{path}:{line}"
            if not MIN_QUESTIONS <= len(entry.questions) <= MAX_QUESTIONS:
                problems.append(
                    f"{where}: entry '{entry.id}' has {len(entry.questions)} questions,"
                    f" expected {MIN_QUESTIONS}–{MAX_QUESTIONS}"
                )
            for text in (entry.answer, entry.source, *entry.questions):
                if unicodedata.normalize("NFC", text) != text:
                    problems.append(f"{where}: entry '{entry.id}' has text not in NFC: {text[:40]!r}")
            for q in entry.questions:
                key = " ".join(canonical_tokens(q))
                other = owners.setdefault(key, entry.id)
                if other != entry.id:
                    problems.append(
                        f"{where}: question {q!r} of '{entry.id}' is also a question of '{other}'"
                    )
        ids[str(path)] = {entry.id: line for entry, line in entries}
    names = list(ids)
    for name in names:
        for other in names:
            if other == name:
                continue
            for missing in sorted(ids[name].keys() - ids[other].keys()):
                problems.append(f"{other}: id '{missing}' ({name}:{ids[name][missing]}) is missing here")
    return problems


# --------------------------------------------------------------------------- normalisation

# Shorthand and spelling variants → canonical (folded) form. A value may be several words.
_SHORTHAND: dict[str, str] = {
    # không
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "khg": "khong",
    "hok": "khong",
    "hong": "khong",
    "hem": "khong",
    "hk": "khong",
    "khum": "khong",
    "kô": "khong",
    "k0": "khong",
    "khog": "khong",
    "khong": "khong",
    "kog": "khong",
    "hog": "khong",
    "no": "no",
    # được
    "dc": "duoc",
    "dk": "duoc",
    "duoc": "duoc",
    "dduoc": "duoc",
    "đc": "duoc",
    # question words
    "j": "gi",
    "ji": "gi",
    "gj": "gi",
    "ntn": "nhu the nao",
    "ntnao": "nhu the nao",
    "sao": "sao",
    "bnhieu": "bao nhieu",
    "baonhieu": "bao nhieu",
    "nhiu": "nhieu",
    "bh": "bao gio",
    "bjo": "bao gio",
    # nouns and verbs often shortened
    "hm": "hien mau",
    "hienmau": "hien mau",
    "vs": "voi",
    "mk": "minh",
    "mik": "minh",
    "mjk": "minh",
    "mh": "minh",
    "mn": "moi nguoi",
    "e": "em",
    "a": "anh",
    "ng": "nguoi",
    "ngta": "nguoi ta",
    "trc": "truoc",
    "tr": "truoc",
    "r": "roi",
    "rui": "roi",
    "thui": "thoi",
    "bit": "biet",
    "bik": "biet",
    "bjk": "biet",
    "ik": "di",
    "wa": "qua",
    "ui": "oi",
    "z": "vay",
    "v": "vay",
    "zay": "vay",
    "ak": "a",
    "ah": "a",
    "uh": "u",
    "oke": "ok",
    "okie": "ok",
    "okay": "ok",
    "bv": "benh vien",
    "sk": "suc khoe",
    "xn": "xet nghiem",
    "tg": "thoi gian",
    "vn": "viet nam",
    "ki": "ky",
    "dky": "dang ky",
    "dki": "dang ky",
    "dangky": "dang ky",
    "cmnd": "cccd",
    "tks": "thanks",
    "thx": "thanks",
    "ty": "thanks",
    "ths": "thanks",
    "cam": "cam",
    "cccd": "cccd",
    "vaccine": "vac xin",
    "vacxin": "vac xin",
    "vacin": "vac xin",
    "vaxin": "vac xin",
    "map": "beo",
    "hemoglobin": "huyet sac to",
    "plz": "please",
    "pls": "please",
    "u": "you",
    "ur": "your",
    "im": "i am",
}
# Synonyms and spelling variants of whole phrases (folded text, before shorthand): one name
# per concept, so that "nhậu" finds "rượu bia" and "blood type" finds "blood group".
_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:{pattern})\b"), replacement)
    for pattern, replacement in [
        # Vietnamese: colloquial and regional words
        (r"map|beo len|tang can|beo phi", "beo"),
        (r"giam can|sut can|gay di|om di", "gay"),
        (r"xiu|bat tinh|ngat xiu", "ngat"),
        (r"di nhau|nhau nhet|nhau xong|an nhau|say xin|say ruou", "uong ruou bia"),
        (r"co bau|mang bau|dang bau|co thai|mang thai", "mang thai"),
        (r"chich ngua|chich", "tiem"),
        (r"da bong|bong da|da banh|cau long|bong chuyen|bong ro|tap ta|tap gym|chay bo", "the thao"),
        (r"hanh kinh|den thang|toi thang|nguyet san|den do|co kinh", "kinh nguyet"),
        (r"thuoc la dien tu|vape|thuoc la|hut thuoc", "hut thuocla"),
        (r"tieu duong|dai thao duong|duong huyet cao", "dai thao duong"),
        (r"cao huyet ap|tang huyet ap|huyet ap cao", "huyet ap cao"),
        (r"can cuoc cong dan|can cuoc|chung minh nhan dan|chung minh thu|cmnd", "cccd"),
        (r"hinh xam|xam hinh|xam minh|phun xam", "xam"),
        (r"bam lo tai|xo khuyen|bam khuyen|xo lo", "xo khuyen"),
        (r"huyet sac to|hemoglobin|haemoglobin|hb", "huyet sac to"),
        (r"covid 19|covid19|corona|coronavirus|f0", "covid"),
        (r"vac xin|vaccine|vacxin|vaccin|tiem phong|tiem chung", "vac xin"),
        (r"kiem tra suc khoe|kham benh", "kham"),
        (r"khang sinh|antibiotics?", "khangsinh"),
        (r"vi sao|tai sao|why", "taisao"),
        # English: one word per concept
        (r"blood types?|blood groups?", "blood group"),
        (r"periods?|menstruation|menstruating|menstrual", "menstruation"),
        (r"pregnancy|pregnant|expecting", "pregnant"),
        (r"breastfeeding|breast feeding|nursing", "breastfeeding"),
        (r"vaccinations?|vaccinated|vaccines?|jabs?|shots?|booster", "vaccine"),
        (r"tattoos?|tattooed|tattooing", "tattoo"),
        (r"medications?|medicines?|pills|tablets|drugs", "medicine"),
        (
            r"work out|workout|exercising|exercise|gym|sports?|training|football|soccer|running|"
            r"jogging|swimming|cycling|weightlifting",
            "exercise",
        ),
        (r"paid|pay|money|compensation|compensated|allowance|reward", "pay"),
        (r"pass out|passing out|faint|fainting|lightheaded|light headed", "faint"),
        (r"smokers?|smoking|smoke|cigarettes?|vaping|vapers?", "smoke"),
        (r"diabetics?|diabetes", "diabetes"),
        (r"hypertension|high blood pressure", "high pressure"),
        (r"anaemic|anemic|anaemia|anemia|low iron", "low hemoglobin"),
        (r"alcohol|beer|drinking|drunk|hangover", "alcohol"),
        (r"a cold|colds|common cold|influenza|the flu|flu", "flu"),
        (r"takes|taken|took|taking", "take"),
        (r"reused?|reusing|shared?|sharing", "reuse"),
    ]
]

# Units after a number; "bn"/"bao nhiu" before one of these means "bao nhiêu", else "bạn".
_QUANTITY = {
    "lau",
    "tuoi",
    "kg",
    "ky",
    "can",
    "ml",
    "ngay",
    "tuan",
    "thang",
    "lan",
    "nam",
    "tien",
    "phut",
    "gio",
    "tieng",
    "don",
    "luong",
    "cc",
    "nhom",
}
_NUMBER_UNITS = {"kg": "kg", "ky": "kg", "ki": "kg", "kilo": "kg", "t": "tuoi", "ml": "ml"}


# Words that never carry the topic of a question.
def word_set(text: str) -> frozenset[str]:
    """The space-separated words of ``text``, for word lists kept readable in the source."""
    return frozenset(text.split())


STOPWORDS = word_set(
    "toi minh em anh chi ban to tui tao ta chung bot ad admin nguoi_ta moi a ha oi nhe nha "
    "nhi ne day vay the thi ma la va voi cua cho cai dang di co khong duoc chua roi nhung cac "
    "mot nay do kia gi nao sao ai_do hoi xin vui long lam_on giup dum please vang da u uhm "
    "hmm haha hihi hehe lol thi_sao nhu nao i me my you your we our it its is are am was were "
    "be been being do does did doing can could should would will shall might must to of for "
    "in on at by with the a and or if that this these those there what how which whom whose "
    "whats have has had having get got just really very much please hi ok"
)
# Words of the domain: present in nearly every question, never unigram features.
DOMAIN_WORDS = word_set("hien mau donate donat donation donor blood give giv gave given")

_ANCHORS = re.compile(
    r"\b(kim|needle|huyet|hong cau|tieu cau|rh|plaster|bandage|ml|dang ky|register|sign up|"
    r"du lieu|data|privacy|thong tin ca nhan|luu( nhung)? thong tin|personal|cccd|id|"
    r"xet nghiem|chung nhan|certificate|"
    r"platelet|plasma|apheresi|transfusion|truyen)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+")
_ACCENTED = re.compile(r"[^\W\d_]+")
_SPLIT_NUM = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")


def _stem(word: str) -> str:
    """A crude English stemmer; Vietnamese syllables never end in -s, -ed or -ing."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def canonical_tokens(text: str) -> list[str]:
    """The folded words of a message with chat shorthand expanded (stop words kept)."""
    folded = fold(text).replace("rh-", "rh am ").replace("rh−", "rh am ").replace("'", "")
    folded = " ".join(_TOKEN.findall(_SPLIT_NUM.sub(" ", folded)))
    for pattern, replacement in _PHRASES:
        folded = pattern.sub(replacement, folded)
    raw = folded.split()
    out: list[str] = []
    for i, word in enumerate(raw):
        prev = raw[i - 1] if i else ""
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if prev.isdigit() and word in _NUMBER_UNITS:
            out.append(_NUMBER_UNITS[word])
            continue
        if word == "kg":
            out.append("khong")
            continue
        if word == "bn":
            out.extend(["bao"] if nxt == "lau" else ["bao", "nhieu"] if nxt in _QUANTITY else ["ban"])
            continue
        if word == "hong" and nxt == "cau":
            out.append("hong")
            continue
        mapped = _SHORTHAND.get(word)
        if mapped is not None:
            out.extend(mapped.split())
        else:
            out.append(word if word in STOPWORDS else _stem(word))
    return out


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOPWORDS]


def features(text: str) -> list[str]:
    """Unigram and bigram features of a message (domain words only inside bigrams)."""
    words = _content(canonical_tokens(text))
    feats = [w for w in words if w not in DOMAIN_WORDS and not w.isdigit()]
    for a, b in itertools.pairwise(words):
        if not (a in DOMAIN_WORDS and b in DOMAIN_WORDS):
            feats.append(f"{a}_{b}")
    # Words typed with their marks also match exactly: "đau" (pain) is not "đâu" (where).
    for word in _ACCENTED.findall(unicodedata.normalize("NFC", text).lower()):
        if not word.isascii() and fold(word) not in STOPWORDS and fold(word) not in DOMAIN_WORDS:
            feats.append(_accent_key(word))
    return feats


def _accent_key(word: str) -> str:
    """``~`` + the folded word + its marks in a fixed order, so that "khoẻ" and "khỏe" (two
    placements of the same tone) are one key while "đau" and "đâu" are two."""
    marks = sorted(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.combining(ch))
    return f"~{fold(word)}:{'đ' if 'đ' in word else ''}{''.join(marks)}"


def mentions_domain(text: str) -> bool:
    """Whether the message is about giving blood: it names it ("hiến", "máu", "donate"…) or
    uses a word that only comes up in that talk (needle, haemoglobin, platelets, this bot's
    data…). Other messages must share more with an entry to be answered from it."""
    tokens = canonical_tokens(text)
    return any(t in DOMAIN_WORDS for t in tokens) or bool(_ANCHORS.search(" ".join(tokens)))


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class _Doc:
    entry_id: str
    tf: Counter[str]
    length: int
    questions: tuple[frozenset[str], ...]


BM25_K1 = 0.3
BM25_B = 0.75
FALSE_FRIEND = 0.3
UNKNOWN_WEIGHT = 0.75
QUESTION_WORD_WEIGHT = 1.0
GATE_IDF = 1.0
# Words that ask rather than tell what about: never enough to match a message on their own.
QUESTION_WORDS = word_set(
    "bao nhieu lau may gi nao sao khi dau ai long much many often when where why who what nen "
    "can lam bi hom nay mai qua sang toi taisao"
)
BONUS = {"_": 1.0, "~": 0.5}


def _weight(feature: str) -> float:
    """Bigrams and accented words add to a match but are not required of it; question words
    ("bao nhiêu", "how") count less than the words that say what the question is about."""
    if feature[0] == "~":
        return BONUS["~"]
    if "_" in feature:
        return BONUS["_"]
    return QUESTION_WORD_WEIGHT if feature in QUESTION_WORDS else 1.0


class FaqIndex:
    """Finds the FAQ entries closest to a message. Build with :meth:`build`."""

    method: Method = "bm25"
    threshold: float = 0.4
    margin: float = 0.03

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        docs: list[_Doc],
        phrasings: list[tuple[str, str]],
        *,
        method: Method | None,
        threshold: float | None,
        margin: float | None,
    ) -> None:
        self._entries = {e.id: e for e in entries}
        self._order = [e.id for e in entries]
        self._position = {eid: i for i, eid in enumerate(self._order)}
        self._docs = docs
        self._phrasings = phrasings  # (entry id, content words of one question)
        if method is not None:
            self.method = method
        if threshold is not None:
            self.threshold = threshold
        if margin is not None:
            self.margin = margin
        n = len(docs)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.tf.keys())
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._avg_len = sum(d.length for d in docs) / max(n, 1)
        self._vocab = sorted(t for t in df if "_" not in t and t[0] != "~" and len(t) >= 4)

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        *,
        also: Iterable[FaqEntry] = (),
        method: Method | None = None,
        threshold: float | None = None,
        margin: float | None = None,
    ) -> FaqIndex:
        """An index of ``entries``; ``also`` adds the questions of the same ids in another
        language (so an English message finds the Vietnamese entry, and vice versa)."""
        known = {e.id for e in entries}
        questions: dict[str, list[str]] = {e.id: list(e.questions) for e in entries}
        for extra in also:
            if extra.id in known:
                questions[extra.id].extend(extra.questions)
        docs: list[_Doc] = []
        phrasings: list[tuple[str, str]] = []
        for e in entries:
            tf: Counter[str] = Counter()
            sets = []
            for q in questions[e.id]:
                sets.append(frozenset(features(q)))
                tf.update(sets[-1])
                phrasings.append((e.id, " ".join(_plain(q))))
            docs.append(_Doc(e.id, tf, sum(tf.values()), tuple(sets)))
        return cls(entries, docs, phrasings, method=method, threshold=threshold, margin=margin)

    @property
    def entries(self) -> list[FaqEntry]:
        return [self._entries[i] for i in self._order]

    def entry(self, entry_id: str) -> FaqEntry:
        return self._entries[entry_id]

    # -- scorers

    def _correct(self, feats: list[str]) -> list[str]:
        """Replaces unknown words by a close known one (one typo in a word of 4+ letters)."""
        out: list[str] = []
        for f in feats:
            if "_" in f or f[0] == "~" or f in self._idf or len(f) < 5:
                out.append(f)
                continue
            best = process.extractOne(
                f, self._vocab, scorer=DamerauLevenshtein.normalized_similarity, score_cutoff=0.75
            )
            out.append(best[0] if best else f)
        return out

    def _bm25(self, text: str) -> dict[str, float]:
        query = set(self._correct(features(text)))
        ideal = 0.0
        for t in query:
            if t in self._idf:
                ideal += _weight(t) * self._idf[t]
            elif t[0] != "~" and "_" not in t and t not in QUESTION_WORDS:
                ideal += UNKNOWN_WEIGHT * self._max_idf  # a word no question has
        if ideal <= 0:
            return {}
        marked = {t[1:].split(":")[0]: t for t in query if t[0] == "~"}
        scores: dict[str, float] = {}
        for d in self._docs:
            s = 0.0
            norm = BM25_K1 * (1 - BM25_B + BM25_B * d.length / self._avg_len)
            for t in query:
                f = d.tf.get(t, 0)
                if f:
                    w = _weight(t)
                    if t in marked and marked[t] not in d.tf:
                        w *= FALSE_FRIEND  # typed "tính", the entry has "tình"
                    s += w * self._idf[t] * f / (f + norm)
            if s > 0:
                # 1.0 when every word of the message is in the entry once (at average length);
                # words found in several of its questions push it above 1.
                scores[d.entry_id] = s * (1 + norm) / ideal
        return scores

    def _fuzzy(self, text: str) -> dict[str, float]:
        query = " ".join(_plain(text))
        if not query:
            return {}
        scores: dict[str, float] = {}
        for eid, phrase in self._phrasings:
            s = max(fuzz.token_set_ratio(query, phrase), fuzz.ratio(query, phrase)) / 100
            if s > scores.get(eid, 0.0):
                scores[eid] = s
        return scores

    def _scores(self, text: str) -> dict[str, float]:
        if self.method == "bm25":
            return self._bm25(text)
        if self.method == "fuzzy":
            return self._fuzzy(text)
        bm, fz = self._bm25(text), self._fuzzy(text)
        return {k: 0.7 * bm.get(k, 0.0) + 0.3 * fz.get(k, 0.0) for k in bm.keys() | fz.keys()}

    # -- public

    def _ranked(self, text: str) -> list[tuple[str, float]]:
        scores = self._scores(text)
        return sorted(scores.items(), key=lambda kv: (-kv[1], self._position[kv[0]]))

    def match(self, text: str, *, limit: int = 3) -> list[Match]:
        """The ``limit`` closest entries, best first, scores in 0..1."""
        ranked = self._ranked(text)[:limit]
        return [Match(eid, round(min(1.0, s), 4)) for eid, s in ranked if s > 0]

    def confident(self, text: str) -> FaqEntry | None:
        """The entry that answers the message, or ``None`` when not sure enough: the best
        score must reach :attr:`threshold` and beat the runner-up by :attr:`margin` (compared
        before scores are capped at 1), and a message that does not name blood donation must
        share at least two topics with the entry."""
        top = self._ranked(text)[:2]
        if not top or top[0][1] < self.threshold:
            return None
        if len(top) > 1 and top[0][1] - top[1][1] < self.margin:
            return None
        if not mentions_domain(text) and self._shared(text, top[0][0]) < 2:
            return None
        return self._entries[top[0][0]]

    def _shared(self, text: str, entry_id: str) -> int:
        """How many topics (runs of neighbouring topic words: "số điện thoại" is one) of the
        message the entry has; question words, common words and words typed with other
        diacritics than the entry's do not count."""
        doc = next(d for d in self._docs if d.entry_id == entry_id)
        feats = set(self._correct(features(text)))
        marked = {t[1:].split(":")[0]: t for t in feats if t[0] == "~"}

        def topical(word: str) -> bool:
            return (
                word in doc.tf
                and word not in QUESTION_WORDS
                and self._idf[word] >= GATE_IDF
                and (word not in marked or marked[word] in doc.tf)
            )

        words = [w for w in _content(canonical_tokens(text)) if w not in DOMAIN_WORDS]
        words = self._correct(words)
        runs, previous = 0, False
        for word in words:
            now = topical(word)
            runs += now and not previous
            previous = now
        return runs


def _plain(text: str) -> list[str]:
    """Content words of a message for the fuzzy scorer (no stop or domain words)."""
    return [t for t in _content(canonical_tokens(text)) if t not in DOMAIN_WORDS]
