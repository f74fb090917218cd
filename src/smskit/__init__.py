"""smskit: typed SMS for Python."""
