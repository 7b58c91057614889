"""Agents: the directory (Cognito users in AWS, the seeded agents locally), availability and last
seen, the desk's agent groups (teams), and the assignment rules that route a new case to a group
and, round-robin, to one of its available members."""
