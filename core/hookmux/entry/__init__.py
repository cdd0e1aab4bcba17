"""The per-event process: ``hookmux run`` reads an event, relays it to the daemon or
routes it in-process; the status line; background workers.
"""
