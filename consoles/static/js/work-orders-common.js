// What the work-order pages share: the enumerations the server handed over (with
// their labels in the page's language), badges, and dates in the organisation's zone.
import { el, formatDateTime, formatTime, t, timeZone } from "./api.js";

export const data = JSON.parse(document.getElementById("wo-data").textContent);
export const labels = data.enumerations;

export const OPEN_STATUSES = ["new", "assigned", "accepted", "en_route", "on_site", "on_hold", "resolved",
                              "awaiting_feedback"];

/** A translated badge for a value of an enumeration, e.g. badge("statuses", "new"). */
export function badge(group, value, extraClass = "") {
  if (!value) return "";
  const label = labels[group]?.[value] ?? value;
  return el("span", { class: `badge ${group}-${value} ${extraClass}`.trim(), dataset: { value } }, label);
}

/** The SLA summary of an order as a badge with its next deadline. */
export function slaBadge(sla) {
  if (!sla) return "";
  const parts = [badge("sla_states", sla.state)];
  if (sla.deadline && ["running", "overdue", "breached"].includes(sla.state)) {
    parts.push(el("span", { class: "muted sla-deadline" }, t("due", { time: formatDateTime(sla.deadline) })));
  }
  return el("span", { class: "sla" }, ...parts);
}

/** "+08:00": the organisation's UTC offset on a day (time zones move with DST). */
export function zoneOffset(day) {
  const probe = new Date(`${day}T12:00:00Z`);
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(probe).find((part) => part.type === "timeZoneName")?.value || "GMT";
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return match ? `${match[1]}:${match[2] || "00"}` : "+00:00";
}

/** A date (YYYY-MM-DD) and optional time (HH:MM) in the organisation's zone, as ISO 8601 with offset. */
export function zonedIso(day, time = "00:00") {
  return `${day}T${time}:00${zoneOffset(day)}`;
}

/** The date and time of an ISO instant in the organisation's zone, for <input type=datetime-local>. */
export function localInputValue(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** A period {start, end} as text, or "". */
export function period(value) {
  if (!value) return "";
  return t("window", { start: formatDateTime(value.start), end: formatDateTime(value.end) });
}

/** A period in few words, for tables: the end's time only when it falls on the start's day. */
export function shortPeriod(value) {
  if (!value) return "";
  const day = (iso) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(iso));
  const end = day(value.start) === day(value.end) ? formatTime(value.end) : formatDateTime(value.end);
  return t("window", { start: formatDateTime(value.start), end });
}

/** Money in minor units, e.g. 4550 CNY → "¥45.50". */
export function money(cents, currency = "CNY") {
  return new Intl.NumberFormat(document.documentElement.lang || "zh-CN", { style: "currency", currency })
    .format((cents || 0) / 100);
}

/** The API's download address of an order's file (the same permissions as the list). */
export function fileUrl(orderId, attachmentId) {
  return `/api/v1/work-orders/${orderId}/attachments/${attachmentId}/content`;
}
