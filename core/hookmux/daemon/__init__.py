"""``hookmux serve``: the warm process that answers events over http and the relay
socket.
"""
