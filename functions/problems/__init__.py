"""Problems: the root cause behind many cases, the departments that fix it, detection of new ones.

Rooms (docs/architecture.md): ``handlers.py`` (the agents' API for problems, departments and
routing rules; the table stream's ``problem_stream``; the hourly ``refresh_segment_base``),
``service/`` (lifecycle, linking, resolution, reads, departments, the stream's batches),
``ports.py``, ``rules.py``, ``store/`` (DynamoDB), ``adapters.py`` (the fix into the knowledge
base), ``models.py``. A pure part under its own name: ``cost.py`` (impact and cost of a problem).

Sub-packages with the same rooms: ``detection/`` (the blip detector, its state, candidates to
problems) and ``escalation/`` (a problem's escalation to its department, a state machine).
"""
