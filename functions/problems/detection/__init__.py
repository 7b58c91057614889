"""Problem detection: group similar cases as they arrive, flag a group's blip, say why.

``detector.py`` (the ``Detector``, with ``text.py`` and ``stats.py``) is pure and incremental: a
large pure part kept under its own name. ``rules.py``: a case as the detector reads it, a
candidate's title, the segment base from customer rows. ``service.py``: ``DetectionService``
(the detector over its stored state, candidates to problems) and ``SegmentBaseCache``.
``ports.py``: what the service receives; ``store.py``: the state and the segment base in S3, the
customer base read from the table; ``adapters.py``: ``ProblemSink``, candidates opened through the
problem services. The problem stream (``functions.problems.service.stream``) feeds it.
"""
