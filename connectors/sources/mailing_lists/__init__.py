"""Mailing lists (issue 41): the threads and replies of lists read from their archives:
an mbox file (a path or URL, gzipped or not), Mailman 2's Pipermail monthly archives and
Mailman 3's HyperKitty export. ``messages`` reads an archive's messages as a community
team means them, ``client`` fetches archive files, ``connector`` keeps each list
incremental, ``source`` declares it."""
