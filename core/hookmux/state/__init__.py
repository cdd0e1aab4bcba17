"""What hookmux keeps between processes: paths, the record spool and store, breakers,
background jobs, metrics, redaction. Imports only the protocol below it.
"""
