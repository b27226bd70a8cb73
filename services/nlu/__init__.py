"""Natural-language understanding: one interface, an embedded engine and a Rasa HTTP client."""
