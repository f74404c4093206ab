"""Mailing lists (issue 41): mbox archives, Mailman 2's Pipermail, Mailman 3's
HyperKitty and Groups.io. Under construction: reading an archive's messages
(``messages``) is done; the source is not declared (no ``source.py``) until its
connector, fake API and contract tests are, so the registry does not list it yet."""
