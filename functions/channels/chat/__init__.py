"""Chat channel: live sessions between a customer and an agent, and bot hand-offs."""
