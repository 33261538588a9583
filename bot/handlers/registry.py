"""The one place where every handler is registered, in the order PTB tries them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotApp, BotContext
from bot.handlers import (
    data,
    draft,
    goals,
    misc,
    notes,
    questions,
    recap,
    review,
    setup,
)

NEW = filters.UpdateType.MESSAGE  # commands and content only from new messages, not edits
EDITED = filters.UpdateType.EDITED_MESSAGE


async def yearend_command(update: Update, context: BotContext) -> None:
    """/yearend (bot.handlers.yearend, loaded on first use: December's, not start-up's cost)."""
    from bot.handlers import yearend

    await yearend.yearend_command(update, context)


async def on_yearend_button(update: Update, context: BotContext) -> None:
    """A button of the year-end session (bot.handlers.yearend, loaded on first use)."""
    from bot.handlers import yearend

    await yearend.on_yearend_button(update, context)


def register_handlers(app: BotApp) -> None:
    """Attach all handlers to ``app``."""
    # An edited photo or voice note matches even when its caption was removed.
    edited = filters.TEXT | filters.CAPTION | filters.PHOTO | filters.VOICE
    app.add_handler(MessageHandler(EDITED & edited, notes.on_edit))

    commands = {
        "start": setup.start,
        "settings": setup.settings_command,
        "pause": setup.pause,
        "resume": setup.resume,
        "review": review.review_command,
        "note": notes.note_command,
        "recap": recap.recap_command,
        "draft": draft.draft_command,
        "yearend": yearend_command,
        "goals": goals.goals_command,
        "questions": questions.questions_command,
        "export": data.export_command,
        "delete": data.delete_command,
        "privacy": data.privacy_command,
        "help": misc.help_command,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=NEW))
    app.add_handler(MessageHandler(NEW & filters.COMMAND, misc.unknown_command))
    app.add_handler(
        MessageHandler(NEW & (filters.TEXT | filters.PHOTO | filters.VOICE), notes.on_message)
    )
    app.add_handler(MessageHandler(NEW & filters.Document.ALL, data.on_document))
    app.add_handler(MessageHandler(NEW & ~filters.StatusUpdate.ALL, misc.unsupported))

    app.add_handler(CallbackQueryHandler(setup.on_setup_button, pattern=r"^(ob|set):"))
    app.add_handler(CallbackQueryHandler(review.on_review_button, pattern=r"^rv:"))
    app.add_handler(CallbackQueryHandler(questions.on_questions_button, pattern=r"^q:"))
    app.add_handler(CallbackQueryHandler(data.on_data_button, pattern=r"^data:"))
    app.add_handler(
        CallbackQueryHandler(data.on_import_button, pattern=r"^imp:(go|cancel)(:[0-9a-f]{12})?$")
    )
    app.add_handler(CallbackQueryHandler(draft.on_draft_button, pattern=r"^draft:"))
    app.add_handler(CallbackQueryHandler(goals.on_goals_button, pattern=r"^goal:"))
    app.add_handler(CallbackQueryHandler(recap.on_recap_button, pattern=r"^rc:"))
    app.add_handler(CallbackQueryHandler(on_yearend_button, pattern=r"^ye:"))
    app.add_handler(CallbackQueryHandler(misc.stale_button))

    app.add_error_handler(misc.on_error)
