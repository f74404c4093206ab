"""What Acacia keeps: the landing zone (:mod:`landing`), the published snapshot the dashboard
reads (:mod:`snapshot`), forgetting a person (:mod:`forget`), and the team's own data:
decisions, tags, notes, follow-ups (:mod:`team_store`).

May import: :mod:`connectors.core`.
"""
