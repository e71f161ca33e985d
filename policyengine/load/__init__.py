"""Text to positioned data to a schema-checked document: the safe YAML loader with positions, the JSON Schemas."""
