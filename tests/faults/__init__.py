"""Fault-injection suite (`make faults`): real servers, real processes, exact counts."""
