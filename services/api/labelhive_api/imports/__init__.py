"""Import: uploads, zip archives, S3 prefixes, URL lists and annotated datasets -> tasks."""
