"""The read side: what pages and reports show, as typed results from the SQLite projection.

One module per area, each a few plain functions taking the projection's ``sqlite3`` connection
(``journal.db``) and returning frozen dataclasses:

- :mod:`.grid` — the journal grid of a course and period (students × lessons);
- :mod:`.lesson` — one lesson with everything on it;
- :mod:`.diary` — a student's diary for a week, and who may read it;
- :mod:`.overview` — a class across subjects for the class teacher;
- :mod:`.averages` — weighted averages and period-mark forecasts;
- :mod:`.history` — the history of a mark, for the administration;
- :mod:`.teacher` — a teacher's courses and day;
- :mod:`.periods` — periods of a year for a grade, the current period;
- and the pieces they share: :mod:`.marks` (marks, attendance, comments of lessons),
  :mod:`.finals` (period and year marks), :mod:`.members` (who is in a class or group when),
  :mod:`.courses`, :mod:`.timetable`, :mod:`.people` (names, Russian alphabetical order).

Queries never write. Entries made with compromised credentials (R-SEC-3), revoked marks and
replaced values never count; where the administration may see them, a function takes
``include_invalid=True`` and flags them.
"""
