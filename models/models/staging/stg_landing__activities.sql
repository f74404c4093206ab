-- Every registered source's landed activities (connectors/<source>/source.py; the
-- pipeline passes the list as the acacia_sources var): the latest fetch of each, typed.
{{ for_each_source('activities') }}
