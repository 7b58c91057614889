"""The only problem code that calls DynamoDB (single table, see docs/data-model.md).

``problems.py``: problems, their case links, timelines and detection's candidate keys;
``departments.py``: departments; ``routing.py``: the routing rule set; ``suggestions.py``: the
cases detection suggests linking. Detection's state and segment base (S3) are in
``functions.problems.detection.store``; escalations in ``functions.problems.escalation.store``.
"""

from functions.problems.store.departments import DepartmentStore
from functions.problems.store.problems import ProblemStore, event_item, link_item, problem_item
from functions.problems.store.routing import RoutingStore
from functions.problems.store.suggestions import SuggestionStore

__all__ = [
    "DepartmentStore",
    "ProblemStore",
    "RoutingStore",
    "SuggestionStore",
    "event_item",
    "link_item",
    "problem_item",
]
