"""Settings, chat-model factory, local model catalog, CLI and the :class:`Agent` facade."""
