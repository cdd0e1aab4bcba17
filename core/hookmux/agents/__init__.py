"""How each coding agent is wired to hookmux: one sibling package per agent."""
