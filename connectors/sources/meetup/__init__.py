"""Meetup (issue 41): the events of Meetup groups (named, or a Pro network's) through
Meetup's GraphQL API: each event into the event list, and the attendance of the events
held (hosts, and who came or said yes) with the CSV files' consent rule. ``client``
speaks GraphQL with the points budget, ``connector`` reads each group incrementally,
``source`` declares it."""
