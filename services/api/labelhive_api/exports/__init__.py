"""Export: annotations and images streamed into a zip in the target bucket."""
