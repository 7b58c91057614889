"""Escalation of a problem to the department that can fix its root cause.

The workflow is the state machine ``stepfunctions/escalation.asl.json`` (service integrations
only: SQS with task tokens, DynamoDB updates). It puts jobs on the ``escalation-jobs`` queue; the
jobs handler (``handlers.handle_escalation_jobs``) mails the department signed links, keeps the
task token, and resolves the problem when the fix is delivered. Links and the agents' API answer
the waiting task with ``SendTaskSuccess``.

Items in the single table:

============================  ===========================  =======================================
PK                            SK                           what
============================  ===========================  =======================================
``PROBLEM#<problem_id>``      ``ESCALATION#<escalation>``  one escalation (execution): status
                                                           (written by the state machine), level,
                                                           current task id, answers, root cause/fix
``ESCTASK#<task_id>``         ``TASK``                     one waiting task (id: hash of its task
                                                           token, so a redelivered job is the same
                                                           task): task token, kind, the nonce of
                                                           each link, the nonce used (conditional
                                                           write: links work once), ``mailed_at``
                                                           (conditional write before sending: one
                                                           mail per task)
============================  ===========================  =======================================

Layers: models.py (job, answers, link payload), logic.py (rules: policy, which action a task
allows, link checks), store.py (DynamoDB, Step Functions), mail.py (the mails), pages.py (HTML
confirmation pages), handlers.py (Chalice: jobs queue, link pages, agents' API).
"""
