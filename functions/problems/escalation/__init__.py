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

Rooms: ``handlers.py`` (Chalice: jobs queue, link pages, agents' API), ``service.py``
(``EscalationService``: start, jobs, answers), ``ports.py``, ``rules.py`` (task ids, execution
input, links, which answer a task takes), ``store.py`` (the table items above), ``adapters.py``
(the Step Functions state machine; the resolver that resolves the problem through the problem
services), ``models.py`` and ``api_models.py`` (the HTTP routes' models, kept small for the cold
start). Pure parts under their own names: ``mail.py`` (the mails), ``pages.py`` (the HTML
confirmation pages).
"""
