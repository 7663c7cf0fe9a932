"""Governance: life-cycle templates (stages, transitions, gates, review and expiry) and
promotion requests with their evidence and approvals. The one place the rules of a stage move
live: :func:`.requests.check_free_move` for ``set_stage``, :mod:`.gates` for requests."""
