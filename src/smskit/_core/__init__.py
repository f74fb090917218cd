"""The single engine every provider and both clients share (internal)."""
