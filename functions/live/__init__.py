"""Live updates and presence: "this changed" hints over a WebSocket (the REST API stays the source
of truth), produced from the table's stream (``live_stream``), and who is viewing or typing on a
case. Connections and watches are table items with a TTL. Pure parts in ``rules``."""
