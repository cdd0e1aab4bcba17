"""Codex CLI: its hook payloads and answers (adapter, apply_patch), and its hooks.json wiring."""
