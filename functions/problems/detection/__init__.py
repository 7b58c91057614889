"""Problem detection: group similar cases as they arrive, flag a group's blip, say why.

``Detector`` (detector.py) is pure and incremental; ``adapter.py`` connects it to the case
stream and to the problem records.
"""
