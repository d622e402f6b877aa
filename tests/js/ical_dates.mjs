// Print, as a JSON array, every date of every event in an .ics file as ical.js reads it, with the
// changes of single dates applied (RECURRENCE-ID overrides: moved, cancelled, undone):
//
//   node tests/js/ical_dates.mjs FEED.ics FROM TO
//
// Each item: {"uid", "start", "end", "status", "summary"}; start and end on the Brussels wall clock
// ("YYYY-MM-DDTHH:MM"), or "YYYY-MM-DD" for whole days (VALUE=DATE, shown the same everywhere).
// A date is printed when FROM <= its planned start < TO (FROM, TO as in ical_occurrences.mjs).

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, from, to] = process.argv.slice(2);
if (!file || !from || !to) {
  console.error("usage: node ical_dates.mjs FEED.ics FROM TO");
  process.exit(2);
}

const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const brussels = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Brussels", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function wallClock(time) {
  if (time.isDate) return time.toString().slice(0, 10);
  const parts = Object.fromEntries(
    brussels.formatToParts(new Date(time.toUnixTime() * 1000)).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

const vevents = calendar.getAllSubcomponents("vevent");
const masters = new Map();
for (const vevent of vevents) {
  if (!vevent.hasProperty("recurrence-id")) masters.set(vevent.getFirstPropertyValue("uid"), new ICAL.Event(vevent));
}
for (const vevent of vevents) {
  if (vevent.hasProperty("recurrence-id")) {
    const master = masters.get(vevent.getFirstPropertyValue("uid"));
    if (!master) { console.error("an override without its series"); process.exit(1); }
    master.relateException(vevent);
  }
}

const dates = [];
for (const [uid, event] of masters) {
  const tzid = event.component.getFirstProperty("dtstart").getParameter("tzid");
  if (tzid && event.startDate.zone.tzid !== tzid) {
    console.error(`${uid}: time zone ${tzid} is not defined in ${file}`);
    process.exit(1);
  }
  const iterator = event.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    const planned = wallClock(next);
    if (planned >= to) break;
    if (planned < from) continue;
    const details = event.getOccurrenceDetails(next);
    dates.push({
      uid,
      start: wallClock(details.startDate),
      end: wallClock(details.endDate),
      status: details.item.component.getFirstPropertyValue("status") || "",
      summary: details.item.summary,
    });
  }
}
dates.sort((a, b) => (a.start + a.uid < b.start + b.uid ? -1 : 1));
console.log(JSON.stringify(dates));
