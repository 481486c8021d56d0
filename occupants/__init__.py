"""Occupants: a room's public link and QR code, reports without login, folded into requests
and work orders, and the reporter's view of progress (CONTRACTS.md, "Occupants")."""
