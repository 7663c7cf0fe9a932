"""Governance: the rules and records of a model's life cycle. Life-cycle templates (stages,
transitions, gates, review and expiry) and promotion requests with their evidence and approvals
— the one place the rules of a stage move live: :func:`.requests.check_free_move` for
``set_stage``, :mod:`.gates` for requests — and alias history, audit checkpoints and consumers."""
