"""Exports: a writer's archive, or the whole site's, built by a task as one zip."""
