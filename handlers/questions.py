"""Text outside a dialogue is a question: a request to act, personal facts, an FAQ, or "not sure".

A confidently wrong answer is worse than "I don't know": below the matcher's confidence the bot says
so, offers the three closest questions as buttons, and gives the hotline; a question about something
else than giving blood is told so, with the hotline. The answer is in the question's language.
"""

from __future__ import annotations

from core import buttons
from domain.eligibility import Person
from domain.follow_up import is_follow_up, merge
from domain.intents import Intent
from domain.language import question_language
from domain.questions import MAX_CHARS, Kind, Understanding, understand
from domain.rule_statements import stated_rules
from handlers import (
    callout_answers,
    common,
    drives,
    my_signups,
    privacy,
    profile,
    registration,
    reminders,
    selfcheck,
    verdicts,
)
from handlers.context import Context
from handlers.messages import Choice, InputKind


async def answer(ctx: Context) -> None:
    """Answers one free-text message."""
    text = ctx.incoming.text if ctx.incoming.kind is InputKind.TEXT else None
    if not text or not text.strip():
        ctx.say("error_not_text_question")
        return
    if len(text.strip()) > MAX_CHARS:  # not a question; and reading it all would cost seconds of CPU
        ctx.say("question_too_long", limit=MAX_CHARS)
        return
    if await callout_answers.clear_answer(ctx):  # "có" / "không" to a call-out still waiting for an answer
        return
    understood = _understand(ctx, text.strip())
    if understood.kind is Kind.INTENT and understood.intent is not None:
        await act(ctx, understood.intent)
    elif understood.kind is Kind.VERDICT and isinstance(understood.facts, Person):
        asked = _with_earlier_facts(ctx, text.strip(), understood.facts)
        decision = await verdicts.decide_today(ctx, asked)
        stated = stated_rules(asked, decision.assessment, ctx.knowledge.rules)
        ctx.say_text(verdicts.render_decision(ctx, decision, stated=stated))
        ctx.say(verdicts.next_step_key(ctx, decision.assessment), hotline=ctx.settings.bot.hotline)
    elif understood.kind is Kind.FAQ and understood.entry is not None:
        ctx.say_text(understood.entry.answer)
    elif understood.off_topic:
        ctx.say("answer_off_topic", hotline=ctx.settings.bot.hotline)
    elif understood.suggestions:
        rows = [[Choice(_title(e.questions[0]), buttons.Faq(e.id).pack())] for e in understood.suggestions]
        ctx.say("answer_unsure", choices=rows, hotline=ctx.settings.bot.hotline)
    else:  # nothing close enough to suggest: no "one of the questions below"
        ctx.say("answer_unsure_none", hotline=ctx.settings.bot.hotline)


def _with_earlier_facts(ctx: Context, text: str, facts: Person) -> Person:
    """`facts`, laid over those of the chat's last verdict when this message follows it up; kept
    (`handlers.recent_facts`: in memory for a few minutes, never written)."""
    platform, chat, now = ctx.incoming.platform, ctx.incoming.chat_id, ctx.now()
    earlier = ctx.recent_facts.take(platform, chat, now)
    if earlier is not None and is_follow_up(text):
        facts = merge(earlier, facts)
    ctx.recent_facts.keep(platform, chat, now, facts)
    return facts


def _question_lang(ctx: Context, text: str) -> str:
    """The language to answer in: the question's own when it tells (:mod:`domain.language`);
    else, for someone who has chosen no language yet, the platform's hint; else the chat's."""
    faq = ctx.knowledge.faq
    written = question_language(text)
    if written in faq:
        return written
    hint = ctx.incoming.language_hint
    if ctx.state.language is None and ctx.donor is None and hint in faq:
        return hint
    return ctx.lang


def _understand(ctx: Context, text: str) -> Understanding:
    """Understands in the question's language (see `_question_lang`), or in the other one when only
    that one is sure; the reply is in the language it was understood in."""
    knowledge = ctx.knowledge
    first = _question_lang(ctx, text)
    if first != ctx.lang:
        ctx.reply_lang = first
    result = understand(text, index=knowledge.faq[first], today=ctx.today(), facts_extractor=knowledge.facts)
    if result.kind is not Kind.UNSURE:
        return result
    for other in knowledge.faq:
        if other == first:
            continue
        again = understand(text, index=knowledge.faq[other], today=ctx.today())
        if again.kind is Kind.FAQ:
            ctx.reply_lang = other
            return again
    return result


def _title(question: str) -> str:
    return question if len(question) <= 60 else question[:57] + "…"


async def act(ctx: Context, intent: Intent) -> None:
    """Starts the journey a request asks for."""
    if intent is Intent.REGISTER and ctx.donor is not None:
        await drives.list_drive_days(ctx)  # "tôi muốn đăng ký hiến máu" from a donor: a time at a drive
    elif intent is Intent.REGISTER:
        await registration.start(ctx, "")
    elif intent is Intent.CANCEL_SIGNUP:
        await my_signups.my_signups(ctx, cancel_only=True)
    elif intent is Intent.CHANGE_SIGNUP:
        await my_signups.my_signups(ctx)
    elif intent is Intent.MY_DATA:
        await privacy.my_data(ctx)
    elif intent is Intent.DELETE_DATA:
        await privacy.start_erase(ctx)
    elif intent is Intent.SELF_CHECK:
        await selfcheck.start(ctx, "")
    elif intent is Intent.HELP:
        await common.help_(ctx)
    elif intent is Intent.GREETING:
        ctx.say("answer_greeting")
    elif intent is Intent.THANKS:
        ctx.say("answer_thanks")
    elif intent is Intent.DRIVES:
        await drives.list_drive_days(ctx)
    elif intent is Intent.MY_BOOKINGS:
        await my_signups.my_signups(ctx)
    elif intent is Intent.REMINDERS:
        await reminders.show(ctx)
    elif intent is Intent.LANGUAGE:
        await common.language(ctx)
    elif intent is Intent.PROFILE:
        await profile.show(ctx)


async def on_faq_button(ctx: Context, pressed: buttons.Faq) -> None:
    """A suggested question was tapped: its answer, in the chat's language."""
    entry = ctx.knowledge.entry(ctx.lang, pressed.entry_id)
    if entry is None:
        ctx.say("error_button_expired")
        return
    ctx.say_text(entry.answer)
