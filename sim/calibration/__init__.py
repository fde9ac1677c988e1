"""Calibration of scenario parameters to observed events (ABC-SMC over the batch engine)."""
