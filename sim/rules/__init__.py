"""Pure numpy rules: pacts, utility terms, drivers, decisions. No Mesa here."""
