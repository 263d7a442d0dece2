"""acdstats: contact-center operator statistics over the Voximplant Management API protocol."""

__version__ = "0.1.0"
