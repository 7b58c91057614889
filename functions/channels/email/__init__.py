"""The email channel: SES inbound mail -> cases, acknowledgements and agents' replies by SES.

Rooms: ``handlers`` (the inbound-mail queue, the agents' inbound routes), ``cli`` (``casebridge
mail``), ``service`` (``EmailIntake``: ingest, quarantine, replay), ``ports`` (what the service
receives), ``rules`` (pure decisions: loop safety, threading, forwards, acknowledgements),
``store`` (S3 raw mail, quarantine and attachments; the DynamoDB inbound log), ``adapters`` (the
SES mailer; the email ``ReplyChannel`` of cases and ``CustomerMailer`` of the portal), ``models``.
Pure modules of their own: ``parse`` (MIME parsing), ``compose`` (outgoing RFC 5322 mail),
``events`` (unwrapping the SQS/SNS/SES/S3 payloads of the inbound queue).
"""
