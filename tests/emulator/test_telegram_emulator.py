"""The Telegram emulator, driven by the real python-telegram-bot stack over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulators.telegram import (
    ApiCall,
    ApiError,
    FailCalls,
    FaultInjector,
    RateLimiter,
    TelegramEmulator,
    ThreadedTelegramEmulator,
)

pytestmark = pytest.mark.timeout(10)


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as b:
        yield b


def _keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in labels_and_data])


# --- Bot methods -------------------------------------------------------------------------------


async def test_get_me_reports_configured_bot(emu: TelegramEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (emu.bot_id, "donorbot_test_bot", True)
    assert emu.url.startswith("http://127.0.0.1:")


async def test_send_message_with_inline_keyboard_is_recorded(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    sent = await bot.send_message(
        lan.id,
        "Bạn có muốn <b>hiến máu</b>?",
        parse_mode="HTML",
        reply_markup=_keyboard(("Đồng ý", "consent:yes"), ("Không đồng ý", "consent:no")),
    )

    assert sent.chat.id == lan.id
    assert sent.from_user is not None
    assert sent.from_user.id == emu.bot_id
    assert sent.text == "Bạn có muốn hiến máu?"  # entities parsed away, as Telegram does
    assert sent.reply_markup is not None
    (record,) = emu.messages(lan)
    assert record.message_id == sent.message_id
    assert record.text == "Bạn có muốn <b>hiến máu</b>?"
    assert record.button("Đồng ý") == "consent:yes"  # exact label beats substring
    assert record.button("Không") == "consent:no"
    with pytest.raises(LookupError, match="labels"):
        record.button("Có thể")
    (call,) = emu.calls_to("sendMessage")
    assert call.params["chat_id"] == lan.id  # form-encoded "1001" decoded to int
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Đồng ý"


async def test_edit_message_text_keeps_history_and_rejects_unknown(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    sent = await bot.send_message(lan.id, "Chọn ngày", reply_markup=_keyboard(("Thứ hai", "d:1")))

    edited = await bot.edit_message_text("Đã chọn thứ hai", chat_id=lan.id, message_id=sent.message_id)

    assert not isinstance(edited, bool)
    assert edited.text == "Đã chọn thứ hai"
    assert edited.edit_date is not None
    record = emu.last_message(lan)
    assert record.edited
    assert record.text == "Đã chọn thứ hai"
    assert record.reply_markup is None  # edit without reply_markup drops the keyboard
    assert [v.text for v in record.history] == ["Chọn ngày"]
    await bot.edit_message_reply_markup(lan.id, sent.message_id, reply_markup=_keyboard(("Huỷ", "x")))
    assert record.button("Huỷ") == "x"
    assert len(record.history) == 2
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(lan.id, sent.message_id, reply_markup=_keyboard(("Huỷ", "x")))
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=lan.id, message_id=999)


async def test_send_document_and_photo_record_uploaded_bytes(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    payload = "ngày,nhóm máu\n2025-01-01,O+\n".encode() + bytes(range(256))

    sent = await bot.send_document(
        lan.id,
        InputFile(payload, filename="lịch_hiến_máu.csv"),
        caption="Lịch của bạn",
        reply_markup=_keyboard(("Tải lại", "reload")),
    )
    await bot.send_photo(lan.id, InputFile(b"\x89PNG fake", filename="card.png"))

    doc, photo = emu.messages(lan)
    assert doc.kind == "document"
    assert doc.file is not None
    assert doc.file.content == payload
    assert doc.file.filename == "lịch_hiến_máu.csv"
    assert doc.file.mime_type == "text/csv"
    assert doc.text == "Lịch của bạn"
    assert doc.button("Tải lại") == "reload"
    assert photo.kind == "photo"
    assert photo.file is not None
    assert (photo.file.content, photo.file.mime_type) == (b"\x89PNG fake", "image/png")
    assert sent.document is not None
    assert sent.document.file_size == len(payload)
    # The file is downloadable through base_file_url, like a real Telegram file.
    tg_file = await bot.get_file(sent.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == payload


async def test_commands_are_stored_per_language(emu: TelegramEmulator, bot: Bot) -> None:
    vi = [BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")]
    en = [BotCommand("start", "Start"), BotCommand("help", "Help")]

    await bot.set_my_commands(vi, language_code="vi")
    await bot.set_my_commands(en, language_code="en")

    assert await bot.get_my_commands(language_code="vi") == tuple(vi)
    assert await bot.get_my_commands() == ()  # no fallback across languages
    assert [c["description"] for c in emu.commands("en")] == ["Start", "Help"]
    by_lang = {c.params["language_code"]: c.params["commands"] for c in emu.calls_to("setMyCommands")}
    assert by_lang["vi"] == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    await bot.delete_my_commands(language_code="en")
    assert emu.commands("en") == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Đăng_ký", "x")])


async def test_errors_map_to_ptb_exceptions(emu: TelegramEmulator, bot: Bot) -> None:
    emu.user(1001, "Lan")  # known to the emulator but never wrote to the bot
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(1001, "xin chào")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "xin chào")
    lan = emu.user(1002, "Lan", started=True)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(lan.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(lan.id, "a" * 4097)
    await bot.send_message(lan.id, "a" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(lan.id, "Nhóm máu <A>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(lan.id, "x", reply_markup=_keyboard(("x", "đ" * 33)))
    lan.blocked = True
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(lan.id, "x")
    assert [c.status for c in emu.calls_to("sendMessage")] == [400, 400, 400, 400, 200, 400, 400, 403]

    wrong = Bot("123456789:wrong", base_url=emu.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    assert emu.calls[-1].status == 401


async def test_raw_http_transports_and_unknown_method(emu: TelegramEmulator) -> None:
    lan = emu.user(1001, "Lan", started=True)
    markup = {"keyboard": [[{"text": "Gửi số", "request_contact": True}]], "one_time_keyboard": True}
    api = f"{emu.base_url}{emu.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{api}/sendMessage", json={"chat_id": lan.id, "text": "json", "reply_markup": markup}
        ) as r:
            assert r.status == 200
        query = {"chat_id": str(lan.id), "text": "query", "reply_markup": json.dumps(markup)}
        async with http.get(f"{api}/sendmessage", params=query) as r:
            assert (await r.json())["result"]["text"] == "query"
        async with http.post(f"{api}/sendMessage", data={"chat_id": str(lan.id)}) as r:
            assert (r.status, await r.json()) == (
                400,
                {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
            )
        async with http.post(f"{api}/fooBar") as r:
            assert (r.status, await r.json()) == (
                404,
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
            )
        async with http.post(f"{emu.base_url}1:bad/getMe") as r:
            assert (r.status, (await r.json())["description"]) == (401, "Unauthorized")

    json_msg, query_msg = emu.messages(lan)
    assert json_msg.reply_markup == query_msg.reply_markup == markup
    assert json_msg.reply_keyboard[0][0]["request_contact"] is True
    assert emu.calls_to("fooBar")[0].status == 404


async def test_get_updates_offset_limit_and_allowed_updates(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan")
    first = await emu.send_text(lan, "/start@donorbot_test_bot ref42")
    await emu.send_sticker(lan)
    await emu.send_text(lan, "xin chào")

    batch = await bot.get_updates(limit=2)
    assert [u.update_id for u in batch] == [first["update_id"], first["update_id"] + 1]
    assert batch[0].message is not None
    assert batch[0].message.text == "/start@donorbot_test_bot ref42"
    assert batch[0].message.entities[0].length == len("/start@donorbot_test_bot")
    assert batch[1].message is not None
    assert batch[1].message.sticker is not None
    again = await bot.get_updates()  # nothing confirmed yet: redelivered
    assert len(again) == 3
    rest = await bot.get_updates(offset=batch[-1].update_id + 1)
    assert [u.update_id for u in rest] == [first["update_id"] + 2]
    assert len(emu.pending_updates) == 1

    msg = await bot.send_message(lan.id, "?", reply_markup=_keyboard(("OK", "ok")))
    await emu.press(lan, emu.last_keyboard_message(lan), "ok")
    only_queries = await bot.get_updates(offset=rest[-1].update_id + 1, allowed_updates=["callback_query"])
    (query_update,) = only_queries
    assert query_update.callback_query is not None
    assert query_update.callback_query.message is not None
    assert query_update.callback_query.message.message_id == msg.message_id
    with pytest.raises(ValueError, match="cannot press"):
        await emu.press(lan, emu.last_message(lan), "not-a-button")


async def test_long_poll_returns_early_and_stop_releases_it(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=1)
    await asyncio.sleep(0.05)
    assert not poll.done()
    injected = time.monotonic()
    await emu.send_text(lan, "hi")
    (update,) = await asyncio.wait_for(poll, 1)
    assert time.monotonic() - injected < 0.5
    assert update.message is not None
    assert update.message.text == "hi"

    # A pending long poll must not keep stop() waiting for its timeout.
    pending = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=5))
    await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) == 2, timeout=1)
    started = time.monotonic()
    await emu.stop()
    assert time.monotonic() - started < 1
    assert await asyncio.wait_for(pending, 1) == ()


# --- a full Application, polling ---------------------------------------------------------------


async def test_application_polling_end_to_end(emu: TelegramEmulator) -> None:
    handled: list[int] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append(update.update_id)
        assert update.message is not None
        await update.message.reply_text(
            f"Xin chào! ({' '.join(context.args or [])})",
            reply_markup=_keyboard(("Đồng ý", "consent:yes"), ("Từ chối", "consent:no")),
        )

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append(update.update_id)
        query = update.callback_query
        assert query is not None
        assert query.message is not None
        await query.answer("Đã ghi nhận")
        await query.edit_message_text(f"Bạn chọn: {query.data}")
        button = KeyboardButton("Gửi số điện thoại", request_contact=True)
        await context.bot.send_message(
            query.message.chat.id,
            "Vui lòng chia sẻ số điện thoại",
            reply_markup=ReplyKeyboardMarkup([[button]], one_time_keyboard=True),
        )

    async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append(update.update_id)
        assert update.message is not None
        assert update.message.contact is not None
        contact = update.message.contact
        assert update.effective_user is not None
        own = contact.user_id == update.effective_user.id
        await update.message.reply_text(
            f"Cảm ơn {contact.phone_number} ({own})", reply_markup=ReplyKeyboardRemove()
        )

    app = (
        Application.builder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    lan = emu.user(2001, "Lan", language_code="vi")

    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        # Inject while a fresh long poll is pending: without early return it would take ~1 s.
        await emu.wait_until(lambda: _pending_poll(emu) is not None, timeout=1)
        await asyncio.sleep(0.05)
        poll = _pending_poll(emu)
        assert poll is not None
        injected = time.monotonic()
        start_update = await emu.send_text(lan, "/start ref42")
        (greeting,) = await emu.wait_for_messages(lan, 1, timeout=1.5)
        assert poll.done_at is not None
        assert poll.done_at - injected < 0.3
        assert time.monotonic() - injected < 0.5
        assert greeting.text == "Xin chào! (ref42)"

        press_update = await emu.press(lan, greeting, greeting.button("Đồng ý"))
        await emu.wait_for_messages(lan, 2, timeout=1.5)
        await emu.wait_until(lambda: greeting.edited, timeout=1.5, what="edit")
        assert greeting.text == "Bạn chọn: consent:yes"
        assert greeting.reply_markup is None
        answer = emu.answer_for(press_update)
        assert answer is not None
        assert answer.text == "Đã ghi nhận"
        assert emu.last_message(lan).reply_keyboard[0][0]["request_contact"] is True

        contact_update = await emu.share_contact(lan, "+84901234567")
        (_, _, thanks) = await emu.wait_for_messages(lan, 3, timeout=1.5)
        assert thanks.text == "Cảm ơn +84901234567 (True)"
        assert thanks.removes_keyboard

        # The next poll confirms everything; nothing is handled twice.
        await emu.wait_until(lambda: not emu.pending_updates, timeout=1.5, what="offset confirm")
        await asyncio.sleep(0.05)
        ids = [start_update, press_update, contact_update]
        assert handled == [u["update_id"] for u in ids]
    finally:
        stopping = time.monotonic()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert time.monotonic() - stopping < 1
    assert len(emu.messages(lan)) == 3


def _pending_poll(emu: TelegramEmulator) -> ApiCall | None:
    polls = emu.calls_to("getUpdates")
    return polls[-1] if polls and polls[-1].done_at is None else None


# --- helpers, isolation, hooks, threads --------------------------------------------------------


async def test_wait_for_messages_timeout_explains_failures(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    await bot.send_message(lan.id, "một")
    with pytest.raises(BadRequest):
        await bot.send_message(lan.id, "")
    with pytest.raises(AssertionError, match=r"got 1: \['một'\].*message text is empty"):
        await emu.wait_for_messages(lan, 2, timeout=0.1)


async def test_callback_query_can_be_answered_once(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    await bot.send_message(lan.id, "?", reply_markup=_keyboard(("Có", "y")))
    msg = emu.last_keyboard_message(lan)
    update = await emu.press(lan, msg, msg.button("Có"))
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, "ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id, "again")
    assert [a.text for a in emu.callback_answers] == ["ok"]


async def test_user_photo_is_downloadable(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan")
    await emu.send_photo(lan, b"photo-bytes", caption="giấy chứng nhận")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.caption == "giấy chứng nhận"
    tg_file = await update.message.photo[-1].get_file()
    assert bytes(await tg_file.download_as_bytearray()) == b"photo-bytes"


async def test_contact_of_someone_else_has_no_user_id(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan")
    await emu.share_contact(lan, "0901234567", user_id=None, first_name="Mẹ")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.contact is not None
    assert update.message.contact.user_id is None
    assert update.message.contact.first_name == "Mẹ"


async def test_emulators_are_isolated() -> None:
    async with TelegramEmulator("111:a") as one, TelegramEmulator("222:b", bot_username="other_bot") as two:
        assert one.url != two.url
        one.user(5, "An", started=True)
        async with Bot(two.token, base_url=two.base_url) as bot_two:
            assert bot_two.username == "other_bot"
            with pytest.raises(BadRequest, match=r"(?i)chat not found"):
                await bot_two.send_message(5, "x")
        assert one.calls == []


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
async def test_hook_sees_every_call_and_can_answer_429(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    seen: list[str] = []

    async def throttle(call: ApiCall) -> None:
        seen.append(call.method)
        if call.method == "sendMessage":
            raise ApiError(429, "Too Many Requests: retry after 3", {"retry_after": 3})

    emu.add_hook(throttle)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(lan.id, "x")
    # retry_after is an int, or a timedelta once PTB_TIMEDELTA is set (bot.channels opts in)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        waited = caught.value.retry_after
    assert (waited.total_seconds() if isinstance(waited, timedelta) else waited) == 3
    assert emu.messages(lan) == []
    emu.hooks.remove(throttle)
    await bot.send_message(lan.id, "x")
    assert seen == ["sendMessage"]


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
async def test_rate_limiter_caps_per_chat_and_per_bot(emu: TelegramEmulator, bot: Bot) -> None:
    now = [100.0]
    limiter = emu.add_hook(RateLimiter(per_bot=3, per_chat=1, clock=lambda: now[0]))
    assert isinstance(limiter, RateLimiter)
    users = [emu.user(3000 + i, f"U{i}", started=True) for i in range(4)]

    await bot.send_message(users[0].id, "1")
    await bot.send_chat_action(users[0].id, "typing")  # not a message: not limited
    with pytest.raises(RetryAfter):
        await bot.send_message(users[0].id, "2")  # 1 msg/s per chat
    await bot.send_message(users[1].id, "1")
    await bot.send_message(users[2].id, "1")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[3].id, "1")  # 3 msg/s per bot
    assert emu.calls_to("sendMessage")[-1].params == {"chat_id": users[3].id, "text": "1"}
    assert emu.calls_to("sendMessage")[-1].status == 429
    now[0] += 1.0
    await bot.send_message(users[0].id, "2")
    assert limiter.rejected == 2
    assert [len(emu.messages(u)) for u in users] == [2, 1, 1, 0]


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
async def test_paid_broadcasts_have_their_own_higher_cap(emu: TelegramEmulator, bot: Bot) -> None:
    now = [100.0]
    limiter = emu.add_hook(RateLimiter(per_bot=2, per_chat=1, paid_per_bot=4, clock=lambda: now[0]))
    users = [emu.user(3100 + i, f"U{i}", started=True) for i in range(7)]

    for user in users[:2]:
        await bot.send_message(user.id, "free")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[2].id, "free")  # 2 msg/s without paying
    for user in users[2:6]:
        await bot.send_message(user.id, "paid", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await bot.send_message(users[6].id, "paid", allow_paid_broadcast=True)  # 4 msg/s paid
    with pytest.raises(RetryAfter):
        await bot.send_message(users[0].id, "paid", allow_paid_broadcast=True)  # still 1 msg/s per chat
    assert isinstance(limiter, RateLimiter)
    assert limiter.rejected == 3
    assert [m.text for u in users for m in emu.messages(u)] == ["free"] * 2 + ["paid"] * 4


async def test_fault_injector_maps_to_ptb_errors(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    for faults, error in (
        (FaultInjector(server_error=1.0), NetworkError),
        (FaultInjector(blocked=1.0), Forbidden),
        (FaultInjector(chat_not_found=1.0), BadRequest),
    ):
        emu.hooks[:] = [faults]
        with pytest.raises(error):
            await bot.send_message(lan.id, "x")
    # A stalled call times out client-side but is still delivered afterwards.
    emu.hooks[:] = [FaultInjector(timeout=1.0, timeout_delay=0.3)]
    with pytest.raises(TimedOut):
        await bot.send_message(lan.id, "chậm", read_timeout=0.05)
    await emu.wait_for_messages(lan, 1, timeout=1)
    emu.hooks.clear()
    assert await bot.get_me()


async def test_fault_injector_rate_is_seeded_and_proportional() -> None:
    async def statuses(seed: int) -> list[int]:
        faults = FaultInjector(server_error=0.2, blocked=0.1, seed=seed)
        seen = []
        for i in range(2000):
            try:
                await faults(ApiCall("sendMessage", {"chat_id": i}, 0.0))
                seen.append(200)
            except ApiError as error:
                seen.append(error.error_code)
        await faults(ApiCall("getUpdates", {}, 0.0))  # not a sending method: never faulted
        assert sum(faults.injected.values()) == seen.count(500) + seen.count(403)
        return seen

    first = await statuses(7)
    assert first == await statuses(7)
    assert first != await statuses(8)
    assert 0.17 < first.count(500) / len(first) < 0.23
    assert 0.07 < first.count(403) / len(first) < 0.13


async def test_fail_calls_fails_exactly_the_chosen_calls_of_one_method(
    emu: TelegramEmulator, bot: Bot
) -> None:
    lan = emu.user(1001, "Lan", started=True)
    fail = emu.add_hook(FailCalls("sendMessage", {2, 3}))
    await bot.send_message(lan.id, "một")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(lan.id, "hai")
    await bot.send_document(lan.id, b"x", filename="x.txt")  # another method: not counted
    await bot.send_message(lan.id, "ba")
    assert isinstance(fail, FailCalls) and (fail.seen, fail.injected) == (4, 2)
    assert [m.text for m in emu.messages(lan)] == ["một", None, "ba"]
    emu.hooks[:] = [FailCalls("SENDMESSAGE", fault="timeout", timeout_delay=0.3)]
    with pytest.raises(TimedOut):
        await bot.send_message(lan.id, "chậm", read_timeout=0.05)
    await emu.wait_for_messages(lan, 4, timeout=1)  # delivered late, as on Telegram


def test_threaded_emulator_serves_another_loop() -> None:
    with ThreadedTelegramEmulator(bot_username="threaded_bot") as threaded:
        emulator = threaded.emulator
        lan = threaded.call(emulator.user, 7, "Lan", started=True)

        async def use_bot() -> str:
            async with Bot(emulator.token, base_url=emulator.base_url) as bot:
                await bot.send_message(lan.id, "từ luồng khác")
                return bot.username

        assert asyncio.run(use_bot()) == "threaded_bot"
        threaded.run(emulator.send_text(lan, "hi"))
        (message,) = threaded.call(emulator.messages, lan)
        assert message.text == "từ luồng khác"
        assert len(threaded.call(lambda: emulator.pending_updates)) == 1
