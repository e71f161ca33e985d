"""Text to positioned data to a schema-checked document.

The safe YAML loader with positions, the JSON Schemas.
"""
