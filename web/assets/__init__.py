"""Asset pages: the register, one asset with its zone, work and meters, its QR label."""
