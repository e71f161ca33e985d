-- A WERC chapter's events system: events with their CE credits, and who attended.
-- This is the text dump of the SQLite database (`sqlite3 chapter-events.sqlite .dump`);
-- the sql source loads a .sql dump into a private in-memory database, or opens a
-- real database file read-only. To get the database file:
--   sqlite3 chapter-events.sqlite < werc-chapter-events.sql
-- Credits are TEXT so that they stay exact decimals (a REAL column would hold
-- binary floats). Dates are YYYY-MM-DD; entry times are local (America/New_York).
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE events (
  event_code TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  held_on TEXT NOT NULL,
  ce_credits TEXT NOT NULL
);
INSERT INTO events VALUES('CH-2405','Spring chapter meeting: housing markets','2024-05-20','1.5');
INSERT INTO events VALUES('CH-2409','Lunch and learn: immigration updates','2024-09-17','0.75');
INSERT INTO events VALUES('CH-2411','Chapter workshop: cost projections','2024-11-06','3.25');
INSERT INTO events VALUES('CH-2502','Winter chapter meeting: tax equalization','2025-02-12','1.5');
INSERT INTO events VALUES('CH-2506','Chapter summit: global mobility trends','2025-06-10','6');
INSERT INTO events VALUES('CH-2508','Late-summer roundtable: assignee experience','2025-08-21','1.25');
CREATE TABLE attendance (
  attendance_id INTEGER PRIMARY KEY,
  event_code TEXT NOT NULL REFERENCES events(event_code),
  member_no TEXT NOT NULL,
  state TEXT NOT NULL,
  entered_at TEXT NOT NULL
);
INSERT INTO attendance VALUES(1001,'CH-2405','m-5005','confirmed','2024-05-21 09:12:00');
INSERT INTO attendance VALUES(1002,'CH-2405','m-5010','confirmed','2024-05-21 09:14:00');
INSERT INTO attendance VALUES(1003,'CH-2409','m-5005','confirmed','2024-09-18 08:30:00');
INSERT INTO attendance VALUES(1004,'CH-2411','m-5005','no-show','2024-11-07 10:02:00');
INSERT INTO attendance VALUES(1005,'CH-2502','m-5005','confirmed','2025-02-13 11:45:00');
INSERT INTO attendance VALUES(1006,'CH-2506','m-5005','confirmed','2025-06-12 16:20:00');
INSERT INTO attendance VALUES(1007,'CH-2506','m-5010','confirmed','2025-06-12 16:21:00');
INSERT INTO attendance VALUES(1008,'CH-2508','m-5005','awaiting-verification','2025-08-22 13:05:00');
COMMIT;
