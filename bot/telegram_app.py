"""The Telegram Application: built from settings, run by long polling or behind a webhook."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, Defaults

from index import Engine, Settings

from .audit import AuditLog
from .handlers import BotHandlers

logger = logging.getLogger(__name__)


class TokenMissing(ValueError):
    """`hoidap bot` was started without HOIDAP_TELEGRAM_TOKEN."""


def build_application(settings: Settings, engine: Engine, audit: AuditLog) -> Application:
    """The real Application, talking to HOIDAP_TELEGRAM_BASE_URL (Telegram itself by default)."""
    if settings.telegram_token is None:
        raise TokenMissing("HOIDAP_TELEGRAM_TOKEN is not set: get a token from @BotFather and put it in .env, "
                           "or use `hoidap chat` for the terminal chat")
    handlers = BotHandlers(engine, settings, audit)
    base_url, base_file_url = settings.bot_api_urls()
    builder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(base_url)
        .base_file_url(base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(settings.concurrent_updates)
        .post_init(handlers.post_init)
        .post_shutdown(handlers.post_shutdown)
    )
    if settings.flood_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    handlers.register(app)
    return app


_SIGNALS_DEFAULT = object()


def serve(app: Application, settings: Settings, stop_signals=_SIGNALS_DEFAULT) -> None:
    """Block serving updates: webhook mode when HOIDAP_WEBHOOK_URL is set, long polling otherwise.

    `stop_signals=None` serves without signal handlers, which only the main thread may install.
    """
    extra = {} if stop_signals is _SIGNALS_DEFAULT else {"stop_signals": stop_signals}
    if settings.webhook_url:
        path = urlsplit(settings.webhook_url).path.strip("/")
        logger.info("Serving webhook %s on %s:%s", settings.webhook_url, settings.webhook_listen, settings.webhook_port)
        app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port, url_path=path,
                        webhook_url=settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
                        allowed_updates=Update.ALL_TYPES, **extra)
    else:
        logger.info("Polling %s for updates", settings.bot_api_urls()[0])
        app.run_polling(allowed_updates=Update.ALL_TYPES, **extra)


def run(settings: Settings, engine: Engine, audit: AuditLog) -> None:
    serve(build_application(settings, engine, audit), settings)
