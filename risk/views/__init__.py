"""What the pages and the command line both show, each built once and returned as a frozen dataclass."""
