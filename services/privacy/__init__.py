"""Personal data: erasure on request."""
