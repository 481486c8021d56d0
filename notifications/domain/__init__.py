"""Pure notification rules: who hears what, when, in which words; no I/O, time is an argument."""
