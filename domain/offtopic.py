"""Messages that are not about giving blood, recognised before any answer is chosen.

A confident blood-donation answer to "thuốc nào chữa đau đầu", "đăng ký hiến tạng ở đâu" or "tuổi
Dần hợp màu gì" is worse than none: the person learns nothing and stops trusting the bot. These
classes are recognised, each by what the message is about, not by its words one at a time:

* **other donations** — organs, corneas, marrow, sperm, a body to science, money, land, clothes or
  books: "hiến" followed by something other than blood, or the English nouns, in a message that does
  not name blood;
* **horoscopes** — a zodiac animal after "tuổi" ("tuổi Thân" is not an age), "tử vi", "xem bói",
  "hợp màu/mệnh", star signs, a blood group's "tính cách". These are off-topic even next to "hiến máu";
* **hangovers** — "tỉnh rượu", "giải rượu" in a message that does not name donating ("uống gì cho mau
  tỉnh rượu": "mau", quickly, folds like "máu");
* **treatment advice** — which medicine to take, how to cure something, what to do about an
  illness, in a message that does not name giving blood ("hiến máu xong chóng mặt phải làm sao" is
  aftercare; "con tôi bị sốt phải làm sao" is a question for a doctor);
* **other paperwork and health services** — "đăng ký kết hôn", "register a motorbike", "tiêm phòng
  cho bé ở đâu", "xét nghiệm covid ở đâu", in a message that does not name donating or blood;
* **diet and lifestyle advice** — what to eat for something, whether a habit is good for you, how
  much a day, in a message that does not name giving blood;
* **blood as medicine** — a condition, a test, a measurement, first aid, a drug or a dish named with
  "máu", "huyết" or "blood" ("chảy máu cam là bệnh gì", "thuốc chống đông máu có tác dụng phụ gì",
  "best blood pressure monitor", "cách làm dồi huyết"), asked as a question for a doctor, a shop or a
  cook and not whether one can donate: "huyết áp cao có được không" is still the blood-pressure entry.
  Those words do not make a message donation talk in the two classes above either ("thiếu máu não nên
  uống thuốc gì"), nor in other donations ("hiến tủy cho bệnh nhân ung thư máu");
* **elsewhere whatever the words around** — a drip ("truyền dịch" is no transfusion), a child's blood
  group from its parents' (genetics), the bot's love life — unless the message names donating.

In a message typed with diacritics, a "mau" typed without them is "quickly" here ("nên ăn gì cho mau
khỏi").

The answer to all of them is "this is not about giving blood" and the hotline
(:mod:`domain.questions`).
"""

from __future__ import annotations

import re

from domain.lexicon import canonical_tokens, mentions_domain

__all__ = ["is_off_topic"]

_OTHER_DONATION = re.compile(
    r"\b(?:hien|dang ky hien|hien tang)\s+(?:tang|noi tang|bo phan|than|gan|giac mac|tinh trung|"
    r"trung|xac|tuy|tuy xuong|te bao goc|dat|tien|sach|quan ao|toc)\b"
    r"|\b(?:donat\w*|donor|give|giv) (?:my |an |a |your )?(?:organs?|kidney|liver|cornea|sperm|eggs?|"
    r"bone marrow|stem cells?|body)\b"
    # things, money and hair: "can I donate my old clothes", "where can I donate books"
    r"|\bdonat\w* (?:(?:my|our|your|some|the|a|an|old|used|unwanted|spare|long|this|these) )*(?:clothes|"
    r"clothing|clothe|books?|toys?|money|cash|food|furniture|shoes|hair|car|laptop|computer|phone|items|stuff|"
    r"things|goods|land)\b|\b(?:organ|kidney|liver|sperm|egg|marrow|cornea) (?:donor|donat\w*)\b"
    r"|\bhien tang\b"
)
_BLOOD = re.compile(r"\b(?:mau|blood|tieu cau|huyet tuong|platelet|plasma)\b")
_ZODIAC = "ty|ti|suu|dan|mao|thin|ngo|mui|than|dau|tuat|hoi"
_HOROSCOPE = re.compile(
    rf"\btuoi (?:{_ZODIAC})\b|\btu vi\b|\bxem boi\b|\bxem tuoi\b|\bhop (?:mau|menh|tuoi|huong)\b"
    r"|\bhop voi tuoi\b|\bmenh (?:kim|moc|thuy|hoa|tho)\b|\bcung hoang dao\b|\btinh duyen\b"
    r"|\bphong thuy\b|\b(?:horoscope|zodiac|astrology|star sign)\b"
    # blood type and personality, the horoscope of East Asia
    r"|\btinh cach\b|\bpersonality\b|\bthong minh\b|\bthien tai\b|\bgenius\b"
    r"|\bstress\w*|\btraits?\b|\btemperament\b|\bcreative\b|\bintrovert\w*|\bextrovert\w*"
    r"|\bche do (?:an|kieng)\b|\ban kieng theo\b|\bblood group diet\b"
    r"|\b(?:bach duong|kim nguu|song tu|cu giai|su tu|xu nu|thien binh|bo cap|nhan ma|ma ket|"
    r"bao binh|song ngu)\b"
)
_TREATMENT = re.compile(
    r"\bthuoc (?:\w+ ){0,2}(?:gi|nao)\b|\bchua (?:\w+ )?(?:the nao|nhu the nao|sao|bang gi|gi)\b"
    r"|\b(?:phai|nen) lam (?:sao|gi)\b(?! tiep)|\blam sao (?:cho|de) (?:het|khoi|giam)\b|\bcach chua\b"
    r"|\b(?:what|which) (?:medicine|should i take)\b|\b(?:take|medicine|cure|remedy|treatment) "
    r"for\b|\bhow (?:do|can) i (?:cure|treat)\b"
)
# A hangover: "uống gì cho mau tỉnh rượu", where "mau" (quickly) folds like "máu".
_HANGOVER = re.compile(r"\b(?:say|tinh|giai) ruou\b|\blam sao cho tinh\b|\bhangover\b|\bsober up\b")
# In a message typed with marks, "mau" without them is "quickly" ("ăn gì cho mau khỏi"), not "máu".
_QUICKLY = re.compile(r"\bmau\b")
_DONATING = re.compile(r"\b(?:hien|donat\w*|donor)\b")
# Not about giving blood whatever the words around them: a drip ("truyền dịch" is no transfusion), a
# child's blood group from its parents' (genetics), the bot's love life.
_ELSEWHERE = re.compile(
    r"\bmau mat (?:nghia|la gi|la sao|co nghia)|\b(?:tiem|quan) xam\b|"
    r"\btruyen (?:dich|nuoc|dam|dat|vitamin)\b|\bphim\b|\b(?:movies?|films?)\b|\bblood moon\b|\btrang mau\b"
    r"|\b(?:bo|cha|ba) (?:me )?(?:nhom )?(?:mau )?nhom(?:a|b|ab|o)\b.*\bcon\b"
    r"|\bco (?:nguoi yeu|ban gai|ban trai|ny) chua\b"
    r"|\b(?:do you have a|are you) (?:girlfriend|boyfriend|single)\b"
)
# "Máu", "huyết" and "blood" in medicine, tests and food rather than in giving blood.
_MEDICAL_BLOOD = re.compile(
    r"(?:\bxet nghiem |\bdo )?(?:"  # the test or the measurement of it goes with it
    r"\bchay mau(?: cam| mui| chan rang| nuou)?\b|\bmau cam\b|\bcam mau\b|\bmo mau\b|\bmau nhiem mo\b"
    # anaemia ("bị thiếu máu" reads "thieumau"), not a shortage ("bệnh viện thiếu máu quanh năm")
    r"|\b(?:thieu mau )?thieumau\b|\bnguoi thieu mau\b|\bthieu mau (?:nao|thieu sat)\b|\blow hemoglobin\b"
    r"|\biron deficiency\b|\bcholesterol\b|\bthieu mau (?:nen|thi nen|phai|can) (?:an|uong|bo sung)\b"
    r"|\b(?:cuc )?mau dong\b|\bdong mau\b|\bchong dong(?: mau)?\b"
    r"|\bxet nghiem mau\b|\bung thu mau\b|\bbenh mau\b|\bhuyet ap\b|\btut ap\b|\bduong huyet\b"
    r"|\bduong trong mau\b|\b(?:sot )?xuat huyet\b|\bdoi huyet\b|\btiet canh\b|\bmau kinh\b"
    r"|\b(?:ho|tieu|di ngoai|non|oi) ra mau\b|\bnhiem trung mau\b|\bcong thuc mau\b"
    r"|\bchi so (?:hong cau|bach cau|tieu cau|mau)\b|\btieu cau (?:thap|giam|con|chi con|xuong|duoi)\b"
    r"|\bhut mau\b|\bma ca rong\b"
    r"|\bbo mau\b"
    r"|\bblood (?:pressure|sugar|glucose|tests?|count|clots?|thinners?|work|cancer|sausage|pudding)\b"
    r"|\bnose ?bleeds?\b|\ban(?:a)?emi\w*\b|\bleuk(?:a)?emia\b|\bblack pudding\b|\bdengue\b)"
)
# …asked of a doctor, a pharmacy, a shop or a cook.
_DOCTOR_QUESTION = re.compile(
    r"\bthuoc\b|\bchua\b|\bdieu tri\b|\bso cuu\b|\bcam mau\b|\bbenh gi\b|\bla sao\b"
    r"|\bco sao khong\b|\bnguy hiem\b|\btac dung phu\b|\ban gi\b|\bkieng\b|\bthieu chat\b|\bgia\b"
    r"|\bbao nhieu tien\b|\bre\b|\buy tin\b|\bloai nao\b|\bmua o dau\b|\bmay do\b|\bbinh thuong\b"
    r"|\bcach lam\b|\bngon\b|\bphong kham\b|\bnhap vien\b|\bdi truyen\b|\b(?:co|mang) thai\b|\bnhinan\b"
    r"|\bphathien\b|\bbi gi\b|\bvitamin\b|\bcap cuu\b"  # "chảy máu cam là bị gì", an emergency
    r"|\bco (?:cao|thap) khong\b"  # "đường huyết 9.5 có cao không"
    r"|\b(?:dua |vao |di )vien\b|\bbac si\b|\bsiro\b"
    r"|\b(?:stop|normal|cost|price|cheap|buy|best|monitor|tablets?|pills?|medicine|cure|treat|symptoms?|"
    r"causes?|recipe|detect|pregnan\w*|fasting|inherit\w*|hospital\w*|foods?|diet|mean|means|eat|worr\w*|syrup)\b"
)
# Whether one can donate with it, said without naming donation: "huyết áp cao có được không".
_ASKS_TO_DONATE = re.compile(
    r"\b(?:co|thi|van) (?:duoc|dc) (?:khong|chua)\b"
    r"|\b(?:can|could|may) (?:i|you|someone|people|a person)\b(?! (?:stop|cure|treat|buy|get rid|lower))"
    r"|\b(?:allowed|eligible|rule \w+ out|disqualif\w*)\b"
)


# "Đăng ký" is all paperwork in Vietnam: marriage, residence, a motorbike… (not a donor).
_OTHER_REGISTRATION = re.compile(
    r"\b(?:dang ky|register(?: for)?|registration(?: for)?|sign up for)\s+(?:(?:a|an|anh|my|the|cho)\s+)?"
    r"(?:ket hon|khai sinh|thuong tru|"
    r"tam tru|ho khau|xe|bien so|kinh doanh|doanh nghiep|cong ty|sim|thue|bao hiem|hoc|nguyen vong|"
    r"thi (?:ielt|toeic|dai hoc|tot nghiep|bang lai|lai xe|cong chuc)|ielt|toeic|driv\w*|"
    r"tai khoan|motorbike|car|vehicle|marriage|birth|business|company|tax|course|exam|class)\b"
)
# Health services for someone or something else: "tiêm phòng cho bé ở đâu", "xét nghiệm covid ở đâu".
_HEALTH_SERVICE = re.compile(
    r"\b(?:tiem|vac xin|kham|xet nghiem|chua|dieu tri|test|vaccine)\b.*\b(?:o dau|cho nao|where)\b"
)
# Diet and lifestyle advice for its own sake: "người gầy nên ăn gì để tăng cân", "uống nước nhiều có
# tốt không", "ngủ mấy tiếng một ngày là đủ" (after "hiến máu xong" it is aftercare).
_LIFESTYLE = re.compile(
    r"\b(?:nen|kieng) an (?:uong )?gi\b|\b(?:an|uong) gi (?:de|cho)\b|\bco tot (?:khong|cho suc khoe)\b"
    r"|\bmot ngay\b.*\b(?:du|bao nhieu)\b|\b(?:good|bad) for (?:you|me|your health|health)\b"
    r"|\b(?:a|per|each) day\b"
)
_NAMES_DONATION = re.compile(r"\b(?:hien|donat\w*|donor|blood|mau)\b")


def is_off_topic(text: str) -> bool:
    """Whether the message is about something else than giving blood (see the module doc)."""
    if not text.isascii():
        text = _QUICKLY.sub("nhanh", text)
    s = " ".join(canonical_tokens(text))
    if _HOROSCOPE.search(s):
        return True
    if _ELSEWHERE.search(s) and not _DONATING.search(s):
        return True
    if _OTHER_DONATION.search(s) and not _BLOOD.search(_MEDICAL_BLOOD.sub(" ", s)):  # marrow for leukaemia
        return True
    if (_OTHER_REGISTRATION.search(s) or _HEALTH_SERVICE.search(s)) and not _NAMES_DONATION.search(s):
        return True
    if _HANGOVER.search(s) and not _DONATING.search(s) and not _ASKS_TO_DONATE.search(s):
        return True
    medical = _MEDICAL_BLOOD.search(s)
    donation = mentions_domain(_MEDICAL_BLOOD.sub(" ", s)) if medical else mentions_domain(text)
    if medical and not donation and _DOCTOR_QUESTION.search(s) and not _ASKS_TO_DONATE.search(s):
        return True
    return bool(_TREATMENT.search(s) or _LIFESTYLE.search(s)) and not donation
