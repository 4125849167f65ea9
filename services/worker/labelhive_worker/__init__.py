"""LabelHive pre-label worker."""
