"""Pure asset rules: vocabulary, zones, meter triggers."""
