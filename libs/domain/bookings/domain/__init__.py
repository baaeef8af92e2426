"""The booking model and its rules: stdlib only, no I/O."""
