"""From an event to its handlers: the plugin manifest, discovery, static matching,
dispatch under guard rails, the handler context.
"""
