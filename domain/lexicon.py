"""The words of donors' messages: folding, chat shorthand, synonyms, and the word lists.

Shared by the FAQ matcher (:mod:`domain.faq_index`), the FAQ checker (:mod:`domain.faq_file`: the
same question under two ids) and the intents (:mod:`domain.intents`), so that all three read
"ko dc" and "không được" alike.

1. :func:`canonical_tokens` folds the text (lower case, no diacritics, đ→d), splits digits
   from letters, maps synonyms of a whole phrase to one name ("nhậu" → rượu bia, "đến tháng" →
   kinh nguyệt, "blood type" → blood group, "thuốc lá" ≠ "thuốc") and expands chat shorthand
   (``ko``/``k``/``hok``/``hông`` → khong, ``dc``/``đc`` → duoc, ``bn`` → bao lâu/bao nhiêu
   before a quantity else bạn, ``j`` → gi, ``ntn`` → nhu the nao, ``hm`` → hien mau, ``vs`` →
   voi, ``mk``/``mik`` → minh, ``e``/``a`` → em/anh, ``kg`` → khong unless after a number…);
   English is crudely stemmed (Vietnamese syllables never end in -s, -ed, -ing).
2. :data:`STOPWORDS` (pronouns, particles ạ/ơi/nhé/vậy/thế/à/ha, function words) carry no topic;
   :data:`DOMAIN_WORDS` ("hiến", "máu", "donate", "blood"…) are in nearly every question;
   :data:`QUESTION_WORDS` ask rather than tell what about. :func:`mentions_domain` tells whether a
   message is about giving blood at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from domain.text import fold

__all__ = [
    "DOMAIN_WORDS",
    "QUESTION_WORDS",
    "STOPWORDS",
    "anchor_words",
    "canonical_tokens",
    "content_words",
    "forget_tokens",
    "mentions_domain",
    "topic_words",
    "word_set",
]

CACHED_TEXTS = 4096
"""Texts whose tokens are remembered: every FAQ question and example (about 3,300) while the matcher is
built, then recent messages, in this process's memory only (never written anywhere). 512 left the build
at 2.5 s instead of 1.5 s."""

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
    "xog": "xong",
    "xg": "xong",
    "hs": "hoc sinh",
    "sv": "sinh vien",
    "sdt": "so dien thoai",
    "sđt": "so dien thoai",
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
    "clb": "cau lac bo",
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
# An English phrase said alone or of giving blood ("what's the age limit", "… for donating"), not of
# something else ("the age limit for a driving licence").
_ALONE = r"(?= *$| (?:for|to|from|after|by|when) (?:\w+ )?(?:donat|giv|blood|be a donor))"

_KIN = (
    r"(?:mom|mum|mother|dad|father|parents?|wife|husband|son|daughter|brother|sister|grand(?:ma|pa|mother|"
    r"father)|relatives?|family members?|cousin|friend)"
)
# Synonyms and spelling variants of whole phrases (folded text, before shorthand): one name
# per concept, so that "nhậu" finds "rượu bia" and "blood type" finds "blood group".
_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:{pattern})\b"), replacement)
    for pattern, replacement in [
        # Vietnamese: colloquial and regional words
        (r"map|beo len|tang can|beo phi", "beo"),
        # "hiện" (to appear, now) folds like "hiến": "phát hiện ung thư" names no donation
        (r"(phat|thuc|xuat|cong) hien", r"\1hien"),  # … and "cống hiến", devotion
        (r"hien (chuong|phap|ke|binh)", r"hien\1"),  # a charter, the constitution, an idea, a gendarme
        # "kim" is the needle, not metal, a diamond, kimchi, a pyramid, a clock's hands or a rank
        (r"kim (loai|cuong|chi|tu thap|gio|phut|ngach)", r"kim\1"),
        (r"hien (nay|dai)", r"hien\1"),
        (r"giam can|sut can|gay di|om di", "gay"),
        (r"xiu|bat tinh|ngat xiu", "ngat"),
        (r"di nhau|nhau nhet|nhau xong|an nhau|dan nhau|say xin|say ruou", "uong ruou bia"),
        (r"co bau|mang bau|dang bau|ba bau|me bau|bau bi|co thai|mang thai|co em be trong bung", "mang thai"),
        (r"\bhu thai\b", "say thai"),  # a miscarriage, said colloquially
        (r"chich ngua|chich", "tiem"),
        # giving birth, one concept ("sinh em bé xong" is the pregnancy entry's "sinh con xong")
        (
            r"sinh (?:em be|be|em)|de (?:con|em be|be|xong)|(?:moi|vua) de|sinh mo|sinh thuong|mo lay thai",
            "sinh con",
        ),
        (r"da bong|bong da|da banh|cau long|bong chuyen|bong ro|tap ta|tap gym|chay bo", "the thao"),
        (r"hanh kinh|den thang|toi thang|nguyet san|den do|co kinh", "kinh nguyet"),
        (r"thuoc la dien tu|vape|thuoc la|hut thuoc|dieu thuoc", "hut thuocla"),
        # one word: its "đái" folds as "dại" (rabies), which is a vaccine ("tiêm dại")
        # blood sugar ("đường trong máu cao"), not what passes through the blood ("lây qua đường máu")
        (r"tieu duong|dai thao duong|duong huyet cao|duong trong mau cao|duong mau cao", "daithaoduong"),
        # a vaccine named by its disease ("tiêm dại", "tiêm HPV", "tiêm cúm"): the vaccine entry
        (r"\btiem (?=(?:phong )?(?:hpv|dai|cum|uon van|soi|thuy dau|covid|viem gan|zona)\b)", "vac xin "),
        # the zodiac year Tý ("tuổi Tý"), not the chat's "ty" (thank you)
        (r"\btuoi ty\b", "tuoi ti"),
        (r"cao huyet ap|tang huyet ap|huyet ap cao", "huyet ap cao"),
        (r"can cuoc cong dan|can cuoc|chung minh nhan dan|chung minh thu|cmnd", "cccd"),
        (r"hinh xam|xam hinh|xam minh|phun xam|phun may|phun moi|dieu khac (?:long|chan) may", "xam"),
        # "lao" is tuberculosis after "bị/mắc/bệnh", Laos after "đi/sang/từ/ở/về"
        (r"lao (?=phoi|hach|xuong)", "benhlao "),
        (r"\b(bi|mac|benh|nhiem|chua|khoi) lao", r"\1 benhlao"),
        (r"\b(di|sang|o|tu|ve|qua|nuoc) lao", r"\1 nuoclao"),
        # "về" after "hỏi" is "about", not "back from" (the travel entry's "đi Lào về")
        (r"\b(hoi|tim hieu|thac mac|noi chuyen) ve\b", r"\1"),
        (r"\bve (?=(?:viec |chuyen )?(?:hien|mau|donat|blood)\b)", ""),  # "thông tin về máu": about
        # catching an infection by donating ("có bị lây viêm gan không", "nguy cơ nhiễm HIV") is the
        # infection-risk entry; being infected ("nhiễm HIV có hiến được không") is the infectious-disease one
        (
            r"\b(?:(?:co )?nguy co (?:bi )?(?:lay )?(?:nhiem )?|(?:so |de )?(?:bi )?lay (?:nhiem )?)"
            r"(?:benh|hiv|viem gan(?: [abc]\b)?|giang mai|virus)",
            "laynhiem benh",  # whichever disease: the answer is the same
        ),
        # Rh negative, one word ("âm" folds to "am", an English stop word, and was lost)
        (r"\brh (?:am|negative|neg|tinh)\b|\bam tinh rh\b", "rham"),
        (r"\bdac biet\b", "dacbiet"),  # "có gì đặc biệt": what is special about the topic, a question word
        # "tắm" (to bathe) folds like "tâm" and "tầm": a centre is one word, "mất tầm bao lâu" is "about"
        (r"\btrung tam\b", "trungtam"),
        (r"\btam (dung|ngung|nghi|hoan|thoi|bo)\b", r"tam\1"),  # "tạm dừng": for a while; "tẩm bổ": nourish
        (r"\b(?:mat )?tam (?=bao lau|baolau|may|khoang|\d)", "khoang "),
        # Vietnamese words that fold to English stop words and were lost: "ít nhất" (at least: the
        # minimum), "ngủ ít" (slept little), "bao nhiêu cân" (kilos), "âm tính" (a negative result)
        (r"\bit nhat\b", "toi thieu"),
        (r"\bngu (?:it|khong du(?: giac)?|khong ngon|chap chon)\b", "thuc khuya"),
        (r"\b(bao nhieu|may|bn|\d+) can\b(?! (?:i|he|she|we|you|they|my|someone|people|a|an)\b)", r"\1 kg"),
        (r"\bam tinh\b", "amtinh"),
        (r"\bmat suc\b|\bsuy nhuoc\b", "yeu nguoi"),  # losing strength (not "mất" of how long it takes)
        (r"\b(?:dau|sau|nhuc|e|buot) rang\b", "rang"),  # toothache is the dentist's, not the needle's pain
        (r"check in|checkin", "checkin"),
        # "dk" is "được" in chat, but "đủ đk" is "đủ điều kiện" and "cho em dk làm người hiến" "đăng ký"
        (r"\bdu dk\b", "du dieu kien"),
        (r"\bdk (?=lam nguoi|lam tnv|hien mau|tham gia)", "dang ky "),
        (r"\bcam lai\b", "laixe"),  # "cầm lái": at the wheel ("cam" folds as "cảm", a cold)
        (r"\b(ton|mat|het) nhieu (?=thoi gian|phut|gio)", r"\1 bao nhieu "),  # "tốn nhiêu thời gian"
        (r"\bha ap\b", "huyet ap"),  # "thuốc hạ áp": for blood pressure
        # the call-outs: "tin khẩn", "lời gọi khẩn", their button ("bấm nút Tôi đến được", "I can come")
        (r"\b(tin|tin nhan|loi goi|cuoc goi|loi keu goi) khan\b(?! cap)", r"\1 khan cap"),
        (r"\b(?:the )?i can come button\b|\bpress(?:ing|ed)? i can come\b", "callout button"),
        (r"\bnut toi den duoc\b", "nut callout toi den duoc"),
        (r"\bsan sang\b", "chuan bi"),  # getting ready ("tối nay cần làm gì để sẵn sàng")
        # "máu hiến xong được đem đi đâu" (carried; not "đêm", night) is "được đưa đi đâu"
        (r"\b(?:duoc )?(?:dem|mang|chuyen) di dau\b", "duoc dua di dau"),
        # "có bị cấm hiến máu không" (forbidden): "cấm" folds as "cảm" (a cold)
        (r"\bco bi cam (?=hien|cho mau)", "co bi tu choi "),
        (r"bam lo tai|xo khuyen|bam khuyen|xo lo", "xo khuyen"),
        (r"huyet sac to|hemoglobin|haemoglobin|hb", "huyet sac to"),
        (r"covid 19|covid19|corona|coronavirus|f0", "covid"),
        (r"vac xin|vaccine|vacxin|vaccin|tiem phong|tiem chung|mui nhac lai|mui nhac", "vac xin"),
        (r"kiem tra suc khoe|kham benh", "kham"),
        (r"sot ret", "sotret"),  # malaria: its "sốt" is not a fever
        (r"luong mau|bao nhieu mau|how much blood|amount of blood|volume of blood", "luongmau"),
        # "mấy tiếng" is hours ("tiếng Anh" a language): without this, the typo fixer reads "kiêng"
        (
            r"\b(may|bao nhieu|vai|mot|hai|ba|nua|\d+) tieng(?: dong ho)?\b"
            r"(?! (?:anh|viet|trung|nhat|han|phap))",
            r"\1 gio",
        ),
        # hungry ("lúc đói", "đói bụng"; "đang đợi" is waiting, and folds alike)
        (r"nhin an|nhin doi|bung doi|de bung|doi bung|\b(?:luc|khi|hoi|con) doi\b", "nhinan"),
        # "phải đợi bao lâu", "cần chờ mấy tháng": the wait is the question's "how long", not a topic
        # of its own (else every entry with "phải đợi bao lâu" outweighs the topic word, "xăm")
        (
            r"\b(?:(?:phai |can |nen )?(?:doi|cho|cho doi|doi cho)(?: (?:trong|khoang|mat))? )?"
            r"(?:bao lau|(?:may|bao nhieu|bao nhiu|bnhieu|bn) (?:ngay|tuan|thang|nam))\b",
            "baolau",
        ),
        (r"\bhet (?=baolau|bao nhieu (?:phut|gio|thoi gian))", "mat "),  # "hết bao lâu" = "mất bao lâu"
        # "lái xe" (drive) and "lại" (again) fold alike: "khi nào được hiến lại" is not about driving
        (r"\blai (xe|o to|oto|may|tau)\b", r"laixe \1"),
        # "được gì" (what one gets): "gì" alone is a stop word
        (r"(?<!lam )\bduoc (?:nhan )?(?:nhung )?gi\b", "duocgi"),  # not "bạn làm được gì" (help)
        # travel money, one concept ("xăng hôm nay bao nhiêu tiền" is the price of petrol, not it)
        (r"\btien (?:xang xe|xang|di lai|tau xe|xe)\b", "tiendilai"),
        # paying to donate (it is free; the support entry says so), not being paid ("được trả tiền")
        (
            r"\b(?:phai tra (?:tien|phi)|tra phi|mat tien|mat phi|ton phi|ton tien|thu phi|lay tien|"
            r"co phi|mien phi)\b",
            "matphi",
        ),
        # "làm thế nào" (how to) is not the "làm" of "có làm béo không" (does it make one fat)
        (r"\blam (?:the|cach) nao\b", "lamthenao"),
        # going to work or school (after donating: the aftercare entry)
        (r"\b(?:di lam|di hoc)\b", "dilam"),
        # eating no meat ("ăn chay") is not bleeding ("chảy máu") nor running ("chạy")
        (r"\ban chay\b", "anchay"),
        (r"\b(?:vegetarians?|vegans?|plant based|dont eat meat|do not eat meat|no meat)\b", "vegetarian"),
        # soft drinks before donating are the eating entry's drinks, not alcohol ("uống")
        (r"\b(?:nuoc ngot|nuoc co ga|tra sua|nuoc tang luc)\b", "nuocngot"),
        # a bruise ("bầm tím") is not the heart ("tim"): the two fold alike
        (r"\b(?:bam tim|tim bam)\b", "bamtim"),
        # "lực lượng dự bị" is this bot's reserve donors ("dự bị" alone may be a substitute player)
        (r"\bluc luong (?:hien mau )?du bi\b", "luc luong hien mau dubi"),
        # "dự bị" (reserve) is one word: its "bị" is not the "bị" of "bị cận thị" (have a condition)
        (r"\bhien mau du bi\b", "luc luong hien mau dubi"),  # "tôi hiến máu dự bị": the reserve donors
        (r"\bdu bi\b", "dubi"),
        # turning the bot's messages off (the quit entry lists the ways)
        (
            r"\btat (?:het |tat ca )?(?:cac )?thong bao\b(?! (?:cua )?(?:dien thoai|facebook|zalo|app))",
            "tat thong bao bot",
        ),
        # stopping the bot: "nghỉ/ngừng/thôi dùng bot", "không muốn nhận tin nhắn nữa" (the quit entry)
        (r"\b(?:nghi|ngung|thoi|bo|dung)(?: han| khong)? (?:dung|su dung|xai)\b", "thoi su dung"),
        (r"\b(?:huy|bo|ngung|dung|thoi) theo doi\b", "thoi su dung"),  # unfollowing the bot
        # "ngừng nhận mọi tin từ bot", "không muốn nhận bất kỳ tin nào nữa": one stops getting them
        (
            r"\b(?:ngung|dung|thoi|khong muon) nhan (?:moi |tat ca |bat ky |bat cu |het )?"
            r"(?:cac )?(?:tin nhan|tin|thong bao)\b",
            "thoi nhan tin",
        ),
        # "bot ngừng gửi tin" (the bot stops sending) is "thôi nhận tin" (one stops getting them)
        (r"\b(?:ngung|dung|thoi|het|khong|dung co) gui (?:tin nhan|tin|thong bao)\b", "thoi nhan tin"),
        (r"\bnhan (?:tin nhan|tin|thong bao)\b", "nhan thong bao"),
        # going to bed late, as the sleep entry's "thức khuya" ("2h sáng mới ngủ": only went to bed at 2)
        (r"ngu muon|ngu tre|\d+ (?:h|gio) (?:sang |dem |khuya )?(?:moi|ms) (?:di )?ngu", "thuc khuya"),
        # "bị thiếu máu" is the person's anaemia; "bệnh viện thiếu máu" a shortage (`domain.facts`)
        (r"\b(bi|mac|dang bi|hay bi|chung|benh) thieu mau\b", r"\1 thieu mau thieumau"),
        (r"do chien ran|chien ran|do chien|dau mo|do beo|nhieu mo", "daumo"),
        (r"giay cn|giay chung nhan", "giay chung nhan"),
        (r"khang sinh|antibiotics?", "khangsinh"),
        (r"vi sao|tai sao|why|whats the point of|what is the point of", "taisao"),
        # "bán" (sell) folds to "ban", which is "bạn" (you), a stop word
        (r"mua ban|duoc ban|bi ban|ban mau|ban lai|dem (?:di )?ban|di ban|sold|sell|selling", "muaban"),
        (r"vo trung|sterile|sterilised|sterilized|clean", "votrung"),
        # one concept each, so that their syllables match nothing else ("học" in "huyết học")
        (r"huyet hoc", "huyethoc"),
        # "máu" in idioms is a temper, not blood; "hiến" in "hiến pháp" is a constitution
        # ("máu mặt", standing, is left out: it folds as "máu mất" of "lấy máu mất bao lâu")
        (r"mau lua|mau chien|nong mau|mau nong", "tinhkhi"),
        (r"hien phap", "hienphap"),
        (r"hien ke", "hienke"),
        # English: one word per concept. "long" alone is a stop word (Vietnamese "vui lòng").
        (r"how long", "howlong"),
        # the limits of age and weight asked alone ("what's the age limit") are the donors' limits
        (
            r"\b(?:(?:upper |lower )?age (?:limits?|requirements?|range)|(?:minimum|maximum) age)" + _ALONE,
            "age limit for donating",
        ),
        (
            r"\b(?:how much (?:do|should|must) i (?:need to |have to )?weigh|"
            r"weight (?:limits?|requirements?)|minimum (?:body )?weight)" + _ALONE,
            "minimum weight for donating",
        ),
        # "my son is 17, can he donate": a number of years is an age (the FAQ's age entry)
        (
            r"\b(?:is|am|aged|turns?|turned|at) (1\d|[2-9]\d)(?: years? old| yo)?\b"
            r"(?! ?(?:kg|kgs|kilos?|lbs?|pounds?|cm|ml|percent))",  # "my weight is 50 kg" is no age
            r"\1 age",
        ),
        # what one gets ("do donors get anything") is the support, as "paid" is
        (
            r"\b(?:what do (?:i|we|you|donors) get|do (?:i|we|you|donors) get anything)" + _ALONE,
            "pay for donating",
        ),
        # clubs of other things, and a footballer ("cầu thủ dự bị" is a substitute, not a reserve donor)
        (r"\b(football|soccer|tennis|golf|book|fan|night|sports?|chess|swimming) clubs?\b", r"\1club"),
        (r"\bcau thu\b", "cauthu"),
        # a club, asked of alone in a donation bot, is a blood donor club ("a football club" is not)
        (
            r"\b(?:join|joining|become a member of) (?:a |the |your )?clubs?(?= *$| near| in )",
            "join a blood donor club",
        ),
        # asked alone in a donation bot: side effects, whether one must book, a bruise on the arm, why the
        # bot wants a detail (of donating, of booking a drive, of the needle, of this bot's data)
        (r"\b(?:any |the )?side effects?" + _ALONE, "side effects of donating"),
        (
            r"\b(?:do|must|should) (?:i|we) (?:need |have )?(?:to (?:make |book |have )?)?(?:an? )?"
            r"(?:appointment|booking|book)(?: first| beforehand| in advance)?(?= *$)"
            r"|\bcan (?:i|we) (?:just )?walk in(?= *$)",
            "do i need to register to donate",
        ),
        (r"\bbruis\w* (?:on|in) (?:my |the )?arm\b|\barm (?:is )?bruis\w*", "arm bruise from the needle"),
        (
            r"\b(?:why|taisao) (?:do|does) (?:you|the bot|this bot) "
            r"(?:need|want|ask for|ask|collect|keep|store)\b(?= (?:my|our|me)\b)",  # of the asker's details
            "why does the bot keep",
        ),
        (r"\blift(?:ing)? weights\b|\bweight training\b", "exercise"),
        (r"\bdrink(?:ing)? (?:plenty of |lots of |more |enough |some )?water\b", "water"),
        # "… after" ending a question is after donating ("can I go to the gym after")
        (r"\bafter(?= *$)", "after donating"),
        # going (back) to work or school after donating: the aftercare entry, as "đi làm" is
        (r"\b(?:go|going|get) (?:back )?to (?:work|school|class)\b|\breturn to work\b", "dilam"),
        (r"\blasik\b|\bmo (?:can thi|mat)\b", "phau thuat mat"),  # eye surgery is surgery
        (r"\blen ban mo\b", "phau thuat"),  # "lên bàn mổ": on the operating table
        # English "gay" is not the Vietnamese "gầy" (thin) it folds to
        (r"\bgay (?:men|man|guys?|people|person|couples?)\b|\bhomosexual\w*|\blgbt\w*", "msm"),
        # what to take along (alone, or to a drive: this is a donation bot) is the papers (documents)
        (
            r"(?:what (?:papers |documents |things |stuff |id )?(?:do|should|shall|must) i "
            r"(?:need to |have to )?bring(?: with me| along)?|"
            r"what to bring|anything to bring|bring anything)"
            r"(?= *$| (?:to|for) (?:the |a |my )?(?:blood )?(?:drive|donat\w*|centre|center|site|hospital))",
            "bring the documents to donate",
        ),
        (r"what (?:should i |do i |to |can i |shall i )do|what do i need to do", "whattodo"),
        (
            r"unsubscribe|opt out|stop sending me messages|stop messaging me|stop texting me",
            "stop getting messages from the bot",  # said to this bot: of its messages
        ),
        (
            r"\b(?:(?:dont|do not|no longer) want to use|(?:stop|quit) using|quit|leave) (?:this|the|your) "
            r"(?:bot|service|app)(?: any ?more| completely| for good)?",
            "stop using the bot",
        ),
        (r"backup donors?|standby donors?|on call donors?", "reserve donor"),
        (r"single use|disposable|used only once|dung mot lan|dung 1 lan", "dungmotlan"),
        (r"recovery|recovering|recovered|recovers", "recover"),
        (r"blood types?|blood groups?", "blood group"),
        (r"periods?|menstruation|menstruating|menstrual", "menstruation"),
        (r"pregnancy|pregnant|expecting|miscarriage|miscarried|abortion", "pregnant"),
        # giving for a relative, or one who needs blood ("can I donate for my mom", "my dad needs a
        # transfusion"): the entry on a relative who needs blood (a relative's age or pregnancy is not it)
        (
            rf"\b(?:(?:for|to) (?:my|our|a)"
            rf"|(?:my|our)(?= {_KIN} (?:needs?|is in (?:the )?hospital|in hospital)\b)) {_KIN}\b",
            "for a relative",
        ),
        (r"skinny|underweight|too thin", "thin"),
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
        (r"fasting|fast|empty stomach|skip(?:ping)? breakfast|without eating", "nhinan"),
        (r"fatty|greasy|fried food|fried|oily food|oily", "daumo"),
        (r"dentists?|dental", "dental"),
        (r"smokers?|smoking|smoke|cigarettes?|vaping|vapers?", "smoke"),
        (r"diabetics?|diabetes", "diabetes"),
        (r"hypertension|high blood pressure", "high pressure"),
        (r"anaemic|anemic|anaemia|anemia|low iron", "low hemoglobin"),
        (r"alcohol|beer|drinking|drunk|hangover", "alcohol"),
        (r"a cold|colds|common cold|influenza|the flu|flu", "flu"),
        (r"takes|taken|took|taking", "take"),
        (r"tired|exhausted|weakness|fatigue|weak(?:en|ens|ened)?", "weak"),
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
# A blood group's letter after "nhóm"/"group": one word each ("a" alone is "anh" or English "a").
_GROUP_LETTERS = {"a": "nhoma", "b": "nhomb", "ab": "nhomab", "o": "nhomo"}
_GROUP_TOKENS = frozenset(_GROUP_LETTERS.values())
_GIVES = {"cho", "nhan", "truyen", "sang", "to", "from", "tu", "give", "receive"}  # between two groups
_NUMBER_UNITS = {"kg": "kg", "ky": "kg", "ki": "kg", "kilo": "kg", "t": "tuoi", "ml": "ml"}


def word_set(text: str) -> frozenset[str]:
    """The space-separated words of ``text``, for word lists kept readable in the source."""
    return frozenset(text.split())


# English "a blood test" is an article before a noun, not the group A ("is A blood rare").
_NOUNS = word_set(
    "test tests drive donor donors donation donations bank sample count pressure sugar clot transfusion "
    "centre center cell cells"
)
# Words that never carry the topic of a question ("o" is "ở"; the group O is "nhomo").
STOPWORDS = word_set(
    "toi minh em anh chi ban to tui tao ta chung bot ad admin nguoi_ta moi a ha oi nhe nha "
    "nhi ne day vay the thi ma la va voi cua cho cai dang di co khong duoc chua roi nhung cac "
    "mot nay do kia gi nao sao ai_do hoi xin vui long lam_on giup dum please vang da u uhm "
    "hmm haha hihi hehe lol thi_sao nhu nao i me my you your we our it its is are am was were "
    "be been being do does did doing can could should would will shall might must to of for "
    "in on at by with the a and or if that this these those there what how which whom whose "
    "whats have has had having get got just really very much please hi ok while o muon want wanna "
    "chut"  # "hỏi chút", "cho hỏi chút": a little, a filler
)
# Words of the domain: present in nearly every question, never unigram features.
DOMAIN_WORDS = word_set("hien mau donate donat donation donor blood give giv gave given")

_ANCHORS = re.compile(
    r"\b(kim|needle|huyet|hong cau|tieu cau|rh|rham|"
    r"plaster|bandage|ml|dang ky|register|sign up|"
    r"du lieu|data|privacy|thong tin ca nhan|luu( nhung)? thong tin|personal|cccd|id|"
    r"xet nghiem|chung nhan|certificate|"
    r"platelet|plasma|apheresi|transfusion|(?<!di )truyen|"  # "di truyền" is hereditary
    # this bot's own concepts, and the blood centres
    r"checkin|ma qr|qr code|call out|callout|khan cap|reserve donor|bot|chatbot|vangmat|"
    r"huyethoc|hematology|haematology|test result|nhoma|nhomb|nhomab|nhomo|luongmau)\b"
    # English "it" in a short question to this bot is the donation: "how long does it take", "does it
    # hurt"; with more after it, "it" is what those words say ("…does it take to boil an egg").
    r"|\b(?:does|will|is|did|would) it(?: [a-z0-9]+){0,3}$"
)
# Words that ask rather than tell what about: never enough to match a message on their own.
QUESTION_WORDS = word_set(
    "bao nhieu lau may gi nao sao khi dau ai long much many often when where why who what nen "
    "can lam bi hom nay mai qua sang toi taisao howlong baolau dacbiet"
)
_TOKEN = re.compile(r"[a-z0-9]+")
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


# "O+", "AB-": a group and its Rh sign, before the signs are dropped with the punctuation.
_SIGNED_GROUP = re.compile(r"(?<![a-z0-9])(ab|a|b|o)([+\-−])(?![a-z0-9+])")


def _signed_group(found: re.Match[str]) -> str:
    return f" nhom {found.group(1)} rh {'duong' if found.group(2) == '+' else 'am'} "


def canonical_tokens(text: str) -> list[str]:
    """The folded words of a message with chat shorthand expanded (stop words kept)."""
    return list(_canonical_tokens(text))


def forget_tokens() -> None:
    """Empties the memory of :func:`canonical_tokens`, so that a benchmark times a message read anew."""
    _canonical_tokens.cache_clear()


@functools.lru_cache(maxsize=CACHED_TEXTS)
def _canonical_tokens(text: str) -> tuple[str, ...]:
    """Remembered: one message is read by the off-topic check, the requests, the matcher and the
    facts in turn, and building the matcher reads each example several times (~150 patterns each:
    the FAQ indexes took ~2.5 s to build at every start before)."""
    folded = fold(text).replace("rh-", "rh am ").replace("rh−", "rh am ").replace("'", "")
    folded = _SIGNED_GROUP.sub(_signed_group, folded)
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
            # "kg" is "không" in chat, but "bao nhiêu kg", "mấy kg" ask a weight
            out.append("kg" if prev in {"bn", "nhieu", "may", "bnhieu", "baonhieu"} else "khong")
            continue
        if word == "bn":
            out.extend(["bao"] if nxt == "lau" else ["bao", "nhieu"] if nxt in _QUANTITY else ["ban"])
            continue
        before = raw[i - 2] if i > 1 else ""
        after = raw[i + 2] if i + 2 < len(raw) else ""
        if (
            word in _GROUP_LETTERS
            and (
                word == "ab"
                or prev in {"nhom", "group", "type"}
                or (prev, before) == ("mau", "nhom")
                or (
                    nxt in {"blood", "negative", "positive", "neg", "pos", "am", "duong", "rh"}
                    and after not in _NOUNS
                )
                or (prev in _GIVES and before in _GROUP_LETTERS)  # "AB cho A", "O truyền B"
                # "nhóm máu A có cho B được không": a group just before the giving word
                or (prev in _GIVES and any(t in _GROUP_TOKENS for t in out[-3:]))
                or (nxt in _GIVES and after in _GROUP_LETTERS)
            )
        ):
            out.append(_GROUP_LETTERS[word])  # "nhóm (máu) A" is a group ("hiến máu ạ/ở" are not)
            continue
        if word == "hong" and nxt == "cau":
            out.append("hong")
            continue
        mapped = _SHORTHAND.get(word)
        if mapped is not None:
            out.extend(mapped.split())
        else:
            out.append(word if word in STOPWORDS else _stem(word))
    return tuple(out)


def content_words(tokens: Sequence[str]) -> list[str]:
    """``tokens`` without the stop words."""
    return [t for t in tokens if t not in STOPWORDS]


def topic_words(text: str) -> list[str]:
    """The words of a message that can say what it is about: no stop words, no domain words."""
    return [t for t in content_words(canonical_tokens(text)) if t not in DOMAIN_WORDS]


def anchor_words(text: str) -> frozenset[str] | None:
    """The words that make a message donation talk without a domain word ("kim", "xét
    nghiệm"…), or ``None`` when it has a domain word (or no anchor at all: see
    :func:`mentions_domain`)."""
    tokens = canonical_tokens(text)
    if any(t in DOMAIN_WORDS for t in tokens):
        return None
    found = [m.group() for m in _ANCHORS.finditer(" ".join(tokens))]
    return frozenset(w for phrase in found for w in phrase.split()) or None


def mentions_domain(text: str) -> bool:
    """Whether the message is about giving blood: it names it ("hiến", "máu", "donate"…) or
    uses a word that only comes up in that talk (needle, haemoglobin, platelets, this bot's
    data…). Other messages must share more with an entry to be answered from it."""
    tokens = canonical_tokens(text)
    return any(t in DOMAIN_WORDS for t in tokens) or bool(_ANCHORS.search(" ".join(tokens)))
