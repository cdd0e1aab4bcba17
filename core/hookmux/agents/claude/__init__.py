"""Claude Code: the hooks hookmux writes into its settings, and the notice when they
are stale.
"""
