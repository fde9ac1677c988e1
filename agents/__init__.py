"""Mesa agents of the trilateral diplomacy model."""
