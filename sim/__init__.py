"""Trilateral diplomacy simulation: config, rules, Mesa model, experiments, analysis."""
