-- The build itself: the day its windows and decayed scores end on (the clock's today when
-- it ran), and its batch number. Readers take "today" from here (the dashboard's
-- windows, the partner directory's period), so they always agree with the marts they read.
select {{ as_of_date() }} as as_of_date, {{ setting('batch') }}::bigint as batch
