"""Gemini CLI: its hook payloads and answers (adapter, tool names), and its settings.json wiring."""
