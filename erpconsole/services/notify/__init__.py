"""Notifications: the ``[[channels]]`` senders (mail, webhooks, DingTalk / WeCom / Feishu
robots, apprise for the long tail) and the sender loop that delivers the store's outbox rows.

The alerts service writes an outbox row in the same transaction as the transition that causes
it; ``outbox.deliver_due`` claims due rows, sends each within its channel's deadline, and marks
it sent or records why not and when to try again. No Qt here: the console and the agent run
``OutboxSender.run`` on a worker thread.
"""
