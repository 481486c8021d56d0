"""Pure occupant rules: vocabulary, folding, category routing, plain words for the air."""
