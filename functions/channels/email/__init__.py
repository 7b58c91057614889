"""The email channel: SES inbound mail -> cases, acknowledgements and agents' replies by SES.

Layers: ``parse`` (pure MIME parsing), ``logic`` (pure decisions: loop safety, threading,
forwards), ``store`` / ``mailer`` (S3, DynamoDB inbound log, SES), ``intake`` (the one
``ingest_raw`` use case), ``events`` (unwrapping SQS/SNS/SES/S3 payloads), ``handlers``
(Chalice), ``outbound`` (agents' replies), ``cli`` (``casebridge mail``).
"""
