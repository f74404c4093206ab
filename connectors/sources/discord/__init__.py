"""Discord (issue 41): a server's text, announcement and forum channels and their
threads, read with a bot token over Discord's REST API v10 (``client``), incrementally
by message id (``connector``); ``source`` declares it."""
