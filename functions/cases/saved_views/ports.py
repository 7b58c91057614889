"""What saved views need: their records."""

from __future__ import annotations

from functions.cases.saved_views.models import SavedView
from functions.core.records import Records

ViewRecords = Records[SavedView]
