"""How data flows through the bot: receive → store durably → handle → commit → send.

1. **Receive and store.** Long polling (:mod:`~bot.pipeline.polling`) or the webhook
   (:mod:`~bot.pipeline.webhook`) hands updates to :meth:`Pipeline.receive
   <bot.pipeline.runtime.Pipeline.receive>`, which commits them to the ``inbox_updates`` table.
   Only then are they confirmed to Telegram (the next ``getUpdates`` offset, or the webhook's
   200), so a crash at any moment loses nothing.
2. **Handle.** :mod:`~bot.pipeline.worker` handles each chat's updates one at a time and in
   order, different chats concurrently. Handlers touch only the database: in one transaction
   they store what the user sent, write their replies as outbox rows
   (:mod:`~bot.pipeline.outgoing`) and mark the update processed. Updates of different chats
   that are ready together share that transaction (group commit). When nothing is queued,
   polling stores and handles a new batch in one transaction, its inbox rows written already
   processed (:meth:`Pipeline.receive <bot.pipeline.runtime.Pipeline.receive>` with
   ``handle_now``).
3. **Commit, then send.** :mod:`~bot.pipeline.sender`, the one paced sender
   (:mod:`~bot.pipeline.pacing`), sends outbox rows after commit (a reply that is its chat's
   oldest pending row is handed to it in memory as the handling transaction commits; it reads
   the others from the outbox) and records the results in
   short transactions of its own, several at a time. A reply that fails is retried; it never
   rolls back the data. Long work (files, recaps, drafts, imports) runs as tasks at send time
   (:mod:`~bot.pipeline.tasks`), outside any transaction.

No Telegram call and no rate-limit wait ever happen inside a database transaction. On
PostgreSQL several replicas can share the inbox and outbox (:mod:`~bot.pipeline.leader`).
"""
