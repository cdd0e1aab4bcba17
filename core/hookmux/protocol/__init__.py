"""The canonical event and answer model: what an agent sends, what a handler may
answer, how answers merge. The bottom layer: imports nothing else of hookmux.
"""
