"""labelhive: the LabelHive command line for managers and scripts."""
