"""Support code for hookmux tests: the real Claude Code harness and its API stand-in."""
