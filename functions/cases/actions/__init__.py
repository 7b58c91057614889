"""Actions on many cases or across cases: bulk changes run as jobs, merge and split.

Rooms (docs/architecture.md): ``handlers`` (POST /cases/bulk, GET /jobs/{job_id}, POST
/cases/{case_id}/merge and /split, the ``case-jobs`` queue's consumer), ``service`` (``BulkActions``:
submit, select, run a chunk; ``CaseMerging``: merge and split), ``ports`` (the case service, the
problems' links, the job store and queue, the timeline moves), ``rules`` (pure: who may merge into
what, which interactions move, what a bulk change still does to a case that changed meanwhile),
``store`` (the jobs' items, the moves of timeline events and message pointers), ``adapters`` (the
SQS queue, the problems service as a port), ``models``.

A bulk change goes through a job so that it covers every selected case however many there are:
the API records the job and queues its first step; the consumer resolves the selection once (a
filter: every matching case across pages, written once), queues one message per chunk, and
changes each case with its own version check, recording each case's outcome once (a redelivered
chunk skips the cases it already did). docs/data-model.md has the items.
"""
