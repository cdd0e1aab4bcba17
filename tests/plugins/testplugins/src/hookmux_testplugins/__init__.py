"""Test plugins for hookmux. They only react to commands or prompts that start with ``hmtest``."""
