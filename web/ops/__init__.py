"""Operations endpoints: liveness, readiness and Prometheus metrics (no login)."""
