"""Validation of message formatting and keyboards, the way Telegram rejects them.

These checks exist because the bugs they catch only show up against the real server otherwise:
unescaped ``<`` in a donor's name breaking an HTML message, ``callback_data`` over 64 bytes,
keyboards with buttons that do nothing. MarkdownV2 is not validated (its escaping rules are
large); messages using it are measured as raw text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from emulators.telegram.params import ApiError
from emulators.telegram.records import JSONDict

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


class _TelegramHTML(HTMLParser):
    """Collects visible text and fails on tags Telegram does not support or leaves unclosed."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._open: list[str] = []
        self.parts: list[str] = []

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        lines = self._source.split("\n")
        prefix = "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "") + lines[line - 1][:col]
        return len(prefix.encode())

    def _fail(self, detail: str) -> ApiError:
        return ApiError.bad_request(f"can't parse entities: {detail}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1] != tag:
            raise self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        self._open.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def finish(self) -> str:
        self.close()
        if self._open:
            raise self._fail(f'Can\'t find end tag corresponding to start tag "{self._open[-1]}"')
        return "".join(self.parts)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What the user sees of ``text``: HTML tags stripped and entities decoded.

    Raises the 400 Telegram sends for malformed HTML.
    """
    if parse_mode is None or parse_mode.upper() != "HTML":
        return text
    parser = _TelegramHTML(text)
    parser.feed(text)
    return parser.finish()


def check_text(text: str | None, parse_mode: str | None) -> str:
    """Validate a message text; return its visible form."""
    if text is None or not text.strip():
        raise ApiError.bad_request("message text is empty")
    shown = visible_text(text, parse_mode)
    if not shown.strip():
        raise ApiError.bad_request("message text is empty")
    if len(shown) > MAX_TEXT_LENGTH:
        raise ApiError.bad_request("message is too long")
    return shown


def check_caption(caption: str | None, parse_mode: str | None) -> str | None:
    """Validate an optional media caption; return its visible form."""
    if caption is None:
        return None
    shown = visible_text(caption, parse_mode)
    if len(shown) > MAX_CAPTION_LENGTH:
        raise ApiError.bad_request("message caption is too long")
    return shown


def check_reply_markup(markup: JSONDict | None, *, inline_only: bool = False) -> None:
    """Reject keyboards Telegram would reject; ``inline_only`` for edit methods."""
    if markup is None:
        return
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return
    if inline_only:
        raise ApiError.bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not _is_rows(rows):
            raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if not isinstance(text, str) or not text:
                    raise ApiError.bad_request("BUTTON_TEXT_INVALID")
        return
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return
    raise ApiError.bad_request("can't parse reply keyboard markup JSON object")


def _is_rows(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(row, list) for row in rows)


def _check_inline_keyboard(rows: Any) -> None:
    if not _is_rows(rows):
        raise ApiError.bad_request('can\'t parse inline keyboard button: field "inline_keyboard"')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError.bad_request("BUTTON_TEXT_INVALID")
            actions = _BUTTON_ACTIONS.intersection(button)
            if not actions:
                raise ApiError.bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if "callback_data" in actions and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise ApiError.bad_request("BUTTON_DATA_INVALID")
