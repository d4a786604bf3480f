"""Domain services: the operations views, tasks and commands call. Each module one concern."""
