"""One construct per concern; each reads its names and shapes from functions.core.resources."""
