"""/web: an organiser's one-time link to the web page (`bot/web/pages.py`), valid ten minutes.

Any role with `Capability.WEB` may ask (the registry checks it); each page then checks its own capability
and the scope again on every request. Without `web.public_url` there is no address to give, and the bot
says the page is not set up. The link's token is shown only here; its hash is stored
(`models.web_sessions`). The audit entry names the chat account and the link's id, never the token.
"""

from __future__ import annotations

from handlers.context import Context
from models import accounts, audit, web_sessions


async def send_link(ctx: Context, _args: str = "") -> None:
    base = ctx.settings.web.public_url
    if base is None:
        ctx.say("web_not_set_up")
        return
    account = ctx.account or await accounts.account_row(
        ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
    )
    if account is None:  # an organiser always has an account row; the role went meanwhile
        ctx.say("organiser_only")
        return
    login, token = await web_sessions.create_login(ctx.session, account_id=account.id, now=ctx.now())
    await audit.record(
        ctx.session, actor=ctx.actor, action="web.link", target=f"web_login:{login.id}", now=ctx.now()
    )
    minutes = int(web_sessions.LOGIN_VALID.total_seconds() // 60)
    ctx.say("web_link", url=f"{base.rstrip('/')}/login/{token}", minutes=minutes)
