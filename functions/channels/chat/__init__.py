"""Chat channel: live sessions between a customer and an agent, and bot hand-offs.

Rooms: ``handlers`` (customers', agents' and bots' routes; the idle-chat schedule), ``cli``
(``casebridge chat``, against a running API), ``service`` (``ChatService``), ``ports``, ``rules``
(session ids and tokens, transcripts, hand-off summaries), ``store`` (sessions and turns in
DynamoDB), ``adapters`` (the chat ``ReplyChannel`` of cases), ``models``.
"""
