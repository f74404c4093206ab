"""Calendar feeds (issue 41): the events of iCalendar feeds (a Meetup group's, a shared
calendar's), by URL or path, into the event list: recurring events expanded, cancelled
ones left out, time zones kept. No attendance. ``connector`` reads each feed when it
changed, ``source`` declares it."""
