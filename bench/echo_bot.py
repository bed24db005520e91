"""A bare python-telegram-bot echo bot: the framework's own ceiling on the emulator (bench/throughput.py).

Run: python bench/echo_bot.py API_BASE_URL  (TELEGRAM_BOT_TOKEN in the environment)

It answers every text with the same text and every button press with a message, through PTB's default
update processor and HTTP transport, polling, with concurrent updates — nothing of the app's.
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.answer()
        await context.bot.send_message(query.message.chat.id, f"pressed {query.data}")


def main() -> None:
    base = sys.argv[1]
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(64)
        .connection_pool_size(128)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(poll_interval=0, timeout=1, drop_pending_updates=False)


if __name__ == "__main__":
    main()
