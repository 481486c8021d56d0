"""sensors_sim."""
