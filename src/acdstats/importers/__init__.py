"""Importers: bytes of a file in, documents (one per line) out."""

# What `acdstats import --format` takes (auto-detection tells the others apart).
FORMATS = ("auto", "events", "offers", "queue_log")
