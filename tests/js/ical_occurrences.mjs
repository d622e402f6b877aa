// Print, as a JSON array, the Brussels wall-clock start ("YYYY-MM-DDTHH:MM") of every occurrence
// in an .ics file, as ical.js (the parser behind many web calendars and Thunderbird) reads it.
//
//   node tests/js/ical_occurrences.mjs FEED.ics FROM TO
//
// FROM and TO are Brussels wall-clock dates or date-times ("2026-01-01", "2026-03-29T16:00");
// an occurrence is printed when FROM <= start < TO.
//
// ical.js turns each occurrence into an instant with the VTIMEZONE found in the file; Node's own
// time zone database then shows that instant on the Brussels wall clock, the way a browser shows
// it to a resident. A misread VTIMEZONE therefore shows up as a wrong hour, not as 16:00 again.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, from, to] = process.argv.slice(2);
if (!file || !from || !to) {
  console.error("usage: node ical_occurrences.mjs FEED.ics FROM TO");
  process.exit(2);
}

const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const brussels = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Brussels",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function wallClock(unixSeconds) {
  const parts = Object.fromEntries(
    brussels.formatToParts(new Date(unixSeconds * 1000)).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

const starts = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const tzid = vevent.getFirstProperty("dtstart").getParameter("tzid");
  // An unregistered TZID silently becomes floating time, which would always look right.
  if (tzid && event.startDate.zone.tzid !== tzid) {
    console.error(`${event.uid}: time zone ${tzid} is not defined in ${file}`);
    process.exit(1);
  }
  const occurrences = event.iterator();
  for (let start = occurrences.next(); start; start = occurrences.next()) {
    const local = wallClock(start.toUnixTime());
    // Occurrences come in order, and a series without UNTIL never ends.
    if (local >= to) break;
    if (local >= from) starts.push(local);
  }
}
starts.sort();
console.log(JSON.stringify(starts));
