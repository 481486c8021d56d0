"""Staff pages of occupants: the QR sheet, link rotation, the requests to triage, photos."""
