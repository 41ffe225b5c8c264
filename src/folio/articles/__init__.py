"""Articles: writing, publishing, reading and listing them; tags and favorites."""
