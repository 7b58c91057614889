"""Delivery of proactive notices: the lifecycle state machine's jobs, bulk sending, exactly-once records.

Rooms: ``handlers.py`` (the ``notice-jobs`` queue, GET /notices/{id}/deliveries), ``service.py``
(``DeliveryService``: the jobs, exactly-once sending, the ``NoticeWorkflow`` of the records part),
``ports.py``, ``rules.py``, ``store.py`` (the table, the audience files), ``adapters.py`` (SES v2
and SNS: their request formats), ``models.py``, ``templates.py`` (the SES mail templates as the
local stack and the CDK stack install them). It meets the records part only through
``functions/notify/contract.py``.

``stepfunctions/proactive_updates.asl.json`` puts jobs on the ``notice-jobs`` queue (each with a
task token); ``handlers.handle_notice_jobs`` runs them and answers the waiting task:

* ``prepare``: ``NoticeSource.next_dispatch(kind)`` (records part) -> the dispatch's texts are
  kept here, the audience manifest gives the batch keys the Map iterates over;
* ``send``: one audience batch file: claim, send in bulk (SES v2 ``SendBulkEmail`` 50 a call,
  SNS ``PublishBatch`` 10 a call to the ``sms-notices`` topic for subscribed contacts, one SNS
  ``Publish`` to the phone for the others: topic full or ``notice_sms_mode="direct"``), mark
  sent; fails with ``Throttled`` while part stays unsent;
* ``finish``: the dispatch totals; ``await``: keeps the task token so ``NoticeWorkflow.signal``
  can wake the lifecycle.

Keys in the single table (docs/data-model.md, "Notice delivery"):

* ``PK=NOTICEDLV#{notice_id}#{seq}#{batch}``, ``SK={channel}#{contact_id}``: one delivery record per
  recipient, dispatch and channel (``status`` claimed | sent | failed, ``claim``, ``attempt``,
  ``provider_id``). Partitioned by batch so a dispatch's writes spread over partitions and a
  batch's records are one Query.
* ``PK=NOTICEDLV#{notice_id}``, ``SK=DISPATCH#{seq:06d}``: the dispatch (texts) and its counters;
  ``SK=PREPARE#{execution}#{entered}``: the answer of a prepare job (a redelivered job returns it).
* ``PK=NOTICEWF#{notice_id}``, ``SK=AWAIT``: the task token of the waiting lifecycle.
* ``PK=SMSSUB#{contact_id}``, ``SK=SMSSUB``: the contact's subscription to the ``sms-notices`` topic.
* ``PK=SMSTOPIC#{topic name}``, ``SK=FULL``: Subscribe answered FilterPolicyLimitExceeded (SNS allows
  200 filter policies per topic, 10,000 per account by default); until ``expires_at`` (TTL) no batch
  calls Subscribe and unsubscribed contacts get a direct SMS.
"""
