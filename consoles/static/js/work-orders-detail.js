// One work order in full. Every part is its own API call (made in parallel), with the
// signed-in user's permissions: a section the role may not read says so.
import { api, el, formatDateTime, formatTime, language, t } from "./api.js";
import { badge, data, fileUrl, labels, localInputValue, money, period, zonedIso } from "./work-orders-common.js";

const orderId = data.order_id;
const base = `/api/v1/work-orders/${orderId}`;
const chinese = language.startsWith("zh");
const $ = (id) => document.getElementById(id);
let order = null;
let etag = null;
let engineers = null;

function fail(target, answer) {
  target.replaceChildren(el("p", { class: "error" }, answer.body?.message || t("load_failed")));
}

function label(group, value) {
  return labels[group]?.[value] ?? value;
}

// --- header -----------------------------------------------------------------------------------

let map = null;
function showMap(site) {
  const holder = $("site-map");
  const coordinates = site?.location?.coordinates;
  if (!coordinates || !window.L) {
    holder.replaceChildren(el("p", { class: "muted" }, t("map_unavailable")));
    return;
  }
  const [lon, lat] = coordinates;
  if (map === null) {
    map = window.L.map(holder, { scrollWheelZoom: false, attributionControl: true }).setView([lat, lon], 15);
    window.L.tileLayer(data.tile_url, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    window.L.circleMarker([lat, lon], { radius: 8, color: "#0b6bcb", fillOpacity: 0.8 }).addTo(map)
      .bindTooltip(site.name);
  }
}

async function showCustomFields() {
  const list = $("order-custom-fields");
  const values = Object.entries(order.custom_fields || {});
  if (!values.length) { list.replaceChildren(); return; }
  const templates = await api("GET", `/api/v1/work-order-templates?work_type=${order.work_type}&page_size=50`);
  const names = {};
  for (const template of (templates.ok ? templates.body : []).reverse()) {
    for (const field of template.fields) names[field.key] = field.label;
  }
  const shown = (value) => Array.isArray(value) ? value.join(", ") : value === true ? t("yes")
    : value === false ? t("no") : String(value);
  list.replaceChildren(...values.flatMap(([key, value]) => [el("dt", {}, names[key] || key),
    el("dd", { dataset: { field: key } }, shown(value))]));
}

function showHeader() {
  $("order-number").textContent = order.number;
  $("order-title").textContent = order.title;
  document.title = `${order.number} · ${document.title}`;
  $("order-status").replaceChildren(badge("statuses", order.status));
  $("order-priority").replaceChildren(badge("priorities", order.priority));
  $("order-type").replaceChildren(badge("work_types", order.work_type, "plain"));
  $("order-channel").replaceChildren(badge("channels", order.channel, "plain"));
  $("order-customer").textContent = order.customer.name;
  $("order-site").replaceChildren(el("strong", {}, order.site.name), el("br"), order.site.address,
    order.site.access_notes ? el("span", { class: "muted" }, el("br"), order.site.access_notes) : "");
  $("order-asset").textContent = order.asset ? `${order.asset.model} · ${order.asset.serial_number}` : t("none");
  $("order-engineer").textContent = order.scheduled_engineer?.name ?? t("unassigned");
  $("order-scheduled").textContent = period(order.scheduled) || t("none");
  $("order-window").textContent = period(order.window) || t("none");
  $("order-created").textContent = formatDateTime(order.created_at);
  $("order-description").textContent = order.description || "";
  const hold = order.hold_reason ? label("reasons", order.hold_reason) : "";
  if (hold) $("order-status").append(" ", el("span", { class: "muted" }, hold));
  showMap(order.site);
  showCustomFields();
}

async function showClocks() {
  const answer = await api("GET", `${base}/sla`);
  const list = $("sla-clocks");
  if (!answer.ok) return fail(list, answer);
  if (!answer.body.length) return list.replaceChildren(el("li", { class: "muted" }, label("sla_states", "none")));
  const now = Date.now();
  list.replaceChildren(...answer.body.map((clock) => {
    const overdue = clock.state === "running" && clock.deadline && new Date(clock.deadline) <= now;
    return el("li", { class: `clock clock-${overdue ? "overdue" : clock.state}`, dataset: { kind: clock.kind } },
      el("strong", {}, label("sla_targets", clock.kind)), " ",
      overdue ? badge("sla_states", "overdue") : badge("clock_states", clock.state), " ",
      clock.deadline ? el("span", { class: "muted" }, t("clock_deadline", { time: formatDateTime(clock.deadline) })) : "");
  }));
}

// --- actions ----------------------------------------------------------------------------------

const REASONS = { hold: "hold_reasons", cancel: "cancel_reasons", decline: "decline_reasons" };
const COMMENTS = new Set(["hold", "cancel", "decline", "resume", "close"]);

async function engineerOptions() {
  engineers ??= await api("GET", "/api/v1/engineers?active=true&page_size=100")
    .then((answer) => (answer.ok ? answer.body : []));
  return engineers.sort((a, b) => a.name.localeCompare(b.name))
    .map((engineer) => el("option", { value: engineer.id }, engineer.name));
}

function field(labelText, control) {
  return el("label", {}, labelText, control);
}

async function openAction(action) {
  const form = $("action-form");
  const controls = [];
  if (action === "assign") {
    controls.push(field(t("engineer"), el("select", { name: "engineer_id", required: true }, ...await engineerOptions())));
    const start = order.window?.start || new Date(Date.now() + 3600e3).toISOString();
    controls.push(field(t("start"), el("input", { type: "datetime-local", name: "scheduled_start", required: true,
                                                   value: localInputValue(start) })));
  }
  if (REASONS[action]) {
    controls.push(field(t("reason"), el("select", { name: "reason", required: true },
      ...labels[REASONS[action]].map((reason) => el("option", { value: reason }, label("reasons", reason))))));
  }
  if (action === "resolve") {
    controls.push(field(t("resolution_code"), el("input", { name: "resolution_code", required: true,
                                                            pattern: "[a-z][a-z0-9_]{0,49}" })));
    controls.push(field(t("resolution_notes"), el("textarea", { name: "resolution_notes", rows: 2 })));
  }
  if (COMMENTS.has(action)) controls.push(field(t("comment"), el("textarea", { name: "comment", rows: 2, maxlength: 1000 })));
  form.replaceChildren(el("h3", {}, label("actions", action)), ...controls,
    el("div", { class: "wo-inline" },
      el("button", { type: "submit", class: "primary" }, t("confirm")),
      el("button", { type: "button", onclick: () => { form.hidden = true; } }, t("cancel"))),
    el("p", { class: "error", role: "alert", id: "action-error" }));
  form.dataset.action = action;
  form.hidden = false;
  form.querySelector("select, input, textarea, button")?.focus();
}

async function takeAction(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const action = form.dataset.action;
  const body = {};
  for (const [name, value] of new FormData(form)) {
    if (value === "") continue;
    if (name === "engineer_id") body[name] = Number(value);
    else if (name === "scheduled_start") body[name] = zonedIso(value.slice(0, 10), value.slice(11, 16));
    else body[name] = value;
  }
  const answer = await api("POST", `${base}/${action.replaceAll("_", "-")}`,
                           { json: body, headers: etag ? { "If-Match": etag } : {} });
  if (!answer.ok) {
    $("action-error").textContent = t("action_failed", { message: answer.body?.message || answer.status });
    return;
  }
  form.hidden = true;
  await loadAll();
}

async function showActions() {
  const holder = $("actions");
  const answer = await api("GET", `${base}/allowed-actions`);
  if (!answer.ok) return fail(holder, answer);
  holder.replaceChildren(...(answer.body.actions.length
    ? answer.body.actions.map((action) => el("button", { type: "button", dataset: { action },
        class: action === "cancel" ? "danger" : "", onclick: () => openAction(action) }, label("actions", action)))
    : [el("p", { class: "muted" }, t("no_actions"))]));
}

// --- timeline and notes -----------------------------------------------------------------------

function payloadSummary(event, notes) {
  const p = event.payload || {};
  switch (event.kind) {
    case "created": return label("channels", p.channel);
    case "status_changed": {
      const change = t("status_change", { from: label("statuses", event.from_status), to: label("statuses", event.to_status) });
      const reason = p.reason ? ` · ${label("reasons", p.reason)}` : "";
      return `${label("actions", event.action)}: ${change}${reason}${p.comment ? ` · ${p.comment}` : ""}`;
    }
    case "updated": return t("changed_fields", { fields: Object.keys(p.changes || {}).join(", ") });
    case "note_added": return notes.get(p.note_id)?.body ?? "";
    case "attachment_added": return t("file_added", { kind: t(`kind_${p.kind || "document"}`), name: p.filename });
    case "parts": return `${p.sku ?? ""} × ${p.quantity ?? ""} (${(event.action || "").replace("parts_", "")})`;
    case "checklist": return t("checklist_answered", { items: (p.answers || []).map((a) => a.item_key).join(", ") });
    case "expense": return t("expense_event", { kind: label("expense_kinds", p.kind), amount: money(p.amount_cents, p.currency) });
    case "rated": return t("rated_event", { csat: p.csat });
    case "sla": return t("sla_event", { target: label("sla_targets", p.target), threshold: p.threshold });
    case "rule": return t("rule_event", { name: p.rule_name ?? p.rule_id ?? "" });
    default: return "";
  }
}

function showTimeline(events, notes) {
  $("timeline").replaceChildren(...events.map((event) => el("li", { class: `event event-${event.kind}`,
      dataset: { kind: event.kind, id: event.id } },
    el("div", { class: "event-when" },
      el("time", { datetime: event.server_time }, formatDateTime(event.server_time)),
      event.device_time ? el("span", { class: "muted device-time", title: formatDateTime(event.device_time) },
        t("device_time", { time: formatTime(event.device_time) })) : ""),
    el("div", { class: "event-what" },
      el("strong", {}, label("events", event.kind)), " ",
      el("span", { class: "muted" }, t("by", { name: event.actor?.name ?? t("system") })),
      el("div", { class: "event-detail" }, payloadSummary(event, notes))))));
}

function showNotes(notes) {
  $("notes").replaceChildren(...(notes.length ? notes.map((note) => el("li", { dataset: { id: note.id } },
      el("div", { class: "muted" }, `${note.author?.name ?? ""} · ${formatDateTime(note.created_at)} · `,
        t(note.visibility === "customer" ? "note_customer" : "note_internal")),
      el("p", {}, note.body)))
    : [el("li", { class: "muted" }, t("no_notes"))]));
}

/** Shows the timeline and notes; answers whether the order has been rated (a `rated` event). */
async function showTimelineAndNotes() {
  const [timeline, notes] = await Promise.all([api("GET", `${base}/timeline`), api("GET", `${base}/notes`)]);
  if (!notes.ok) fail($("notes"), notes); else showNotes(notes.body);
  if (!timeline.ok) { fail($("timeline"), timeline); return false; }
  showTimeline(timeline.body, new Map((notes.ok ? notes.body : []).map((note) => [note.id, note])));
  return timeline.body.some((event) => event.kind === "rated");
}

async function addNote(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = form.elements.body.value.trim();
  if (!body) { $("note-error").textContent = t("required"); return; }
  const answer = await api("POST", `${base}/notes`, { json: { body, visibility: form.elements.visibility.value } });
  if (!answer.ok) { $("note-error").textContent = answer.body?.message || t("load_failed"); return; }
  $("note-error").textContent = "";
  form.reset();
  await showTimelineAndNotes();
}

// --- parts, checklist, photos, expenses, rating -----------------------------------------------

function table(headings, rows) {
  return el("table", { class: "wo-small-table" }, el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((cell) => el("td", {}, cell))))));
}

async function showParts() {
  const [cost, requests] = await Promise.all([
    api("GET", `/api/v1/inventory/work-orders/${orderId}/parts-cost`),
    api("GET", `/api/v1/inventory/part-requests?work_order_id=${orderId}&page_size=100` +
               ["open", "picking", "unavailable", "fulfilled", "cancelled"].map((s) => `&status=${s}`).join("")),
  ]);
  const parts = $("parts");
  if (!cost.ok) fail(parts, cost);
  else if (!cost.body.lines.length) parts.replaceChildren(el("p", { class: "muted" }, t("no_parts")));
  else {
    parts.replaceChildren(table([t("h_part"), t("h_used"), t("h_returned"),
                                 t("h_reserved"), t("h_cost")],
      cost.body.lines.map((line) => [`${line.sku} ${line.name}`, line.issued, line.returned, line.reserved,
                                     money(line.cost_cents)])),
      el("p", {}, el("strong", {}, `${t("parts_total")}: ${money(cost.body.parts_cost_cents)}`)));
  }
  const list = $("part-requests");
  if (!requests.ok) fail(list, requests);
  else if (!requests.body.length) list.replaceChildren(el("p", { class: "muted" }, t("no_part_requests")));
  else list.replaceChildren(table([t("h_part"), t("h_quantity"), t("h_status")],
    requests.body.map((request) => [`${request.sku} ${request.part_name}`, request.quantity,
                                    badge("part_requests", request.status)])));
}

function thumbnail(attachmentId, alt) {
  const url = fileUrl(orderId, attachmentId);
  return el("a", { href: url, target: "_blank", rel: "noopener", class: "thumb" },
    el("img", { src: url, alt, loading: "lazy", dataset: { attachment: attachmentId } }));
}

function answerText(item) {
  const value = item.answer?.value;
  if (value === null || value === undefined) return el("span", { class: "muted" }, t("not_answered"));
  if (item.kind === "check") return value ? `✓ ${t("yes")}` : `✗ ${t("no")}`;
  if (item.kind === "number") return `${value}${item.unit ? " " + item.unit : ""}`;
  if (item.kind === "photo") return thumbnail(value, chinese ? item.label_zh : item.label_en);
  return String(value);
}

async function showChecklist() {
  const holder = $("checklist");
  const answer = await api("GET", `${base}/checklist`);
  if (answer.status === 404 && answer.body?.status === "no_checklist") {
    return holder.replaceChildren(el("p", { class: "muted" }, t("no_checklist")));
  }
  if (!answer.ok) return fail(holder, answer);
  const checklist = answer.body;
  holder.replaceChildren(
    el("p", { class: "muted" }, t("checklist_version", { name: checklist.name, version: checklist.version })),
    el("ul", { class: "wo-checklist" }, ...checklist.items.map((item) => el("li", {
        class: item.done ? "done" : "", dataset: { key: item.key, kind: item.kind } },
      el("span", { class: "item-label" }, chinese ? item.label_zh : item.label_en, item.required ? " *" : ""),
      el("span", { class: "item-answer" }, answerText(item)),
      item.answer?.device_time ? el("span", { class: "muted" },
        t("device_time", { time: formatDateTime(item.answer.device_time) })) : ""))),
    el("p", { class: checklist.complete ? "ok" : "muted" }, checklist.complete ? t("checklist_complete")
      : t("checklist_missing", { items: checklist.missing.join(", ") })));
}

async function showFiles() {
  const answer = await api("GET", `${base}/attachments`);
  if (!answer.ok) { fail($("photos"), answer); return; }
  const photos = answer.body.filter((file) => file.kind === "photo");
  $("photos").replaceChildren(...(photos.length ? photos.map((photo) => el("figure", {},
      thumbnail(photo.id, photo.caption || photo.filename),
      el("figcaption", { class: "muted" }, photo.caption || photo.filename)))
    : [el("p", { class: "muted" }, t("no_photos"))]));
  const signatures = answer.body.filter((file) => file.kind === "signature");
  $("signature").replaceChildren(...(signatures.length ? signatures.map((signature) => el("figure", { class: "signature" },
      el("img", { src: fileUrl(orderId, signature.id), alt: t("signed_by", { name: signature.signer_name }),
                  dataset: { attachment: signature.id } }),
      el("figcaption", {}, t("signed_by", { name: signature.signer_name }),
        signature.device_time ? el("span", { class: "muted" }, " · " + formatDateTime(signature.device_time)) : "")))
    : [el("p", { class: "muted" }, t("no_signature"))]));
}

async function showExpenses() {
  const holder = $("expenses");
  // The page knows which roles the expenses API serves, so it does not ask to be refused.
  if (!data.may_read_expenses) return holder.replaceChildren(el("p", { class: "muted" }, t("expenses_hidden")));
  const answer = await api("GET", `${base}/expenses`);
  if (!answer.ok) return fail(holder, answer);
  if (!answer.body.expenses.length) return holder.replaceChildren(el("p", { class: "muted" }, t("no_expenses")));
  holder.replaceChildren(table([t("h_kind"), t("h_engineer"), t("h_amount")],
    answer.body.expenses.map((expense) => [label("expense_kinds", expense.kind), expense.engineer?.name ?? "",
                                           money(expense.amount_cents, expense.currency)])),
    el("p", {}, el("strong", {}, Object.entries(answer.body.totals).map(([currency, cents]) => money(cents, currency)).join(" · "))));
}

function ratingForm() {
  const scores = (low, high) => Array.from({ length: high - low + 1 }, (_, i) => el("option", { value: low + i }, low + i));
  const form = el("form", { id: "rating-form", class: "wo-rating-form", novalidate: true },
    el("p", {}, el("strong", {}, t("rating_form_title"))),
    field(t("csat"), el("select", { name: "csat", required: true }, el("option", { value: "" }, "—"), ...scores(1, 5))),
    field(t("nps"), el("select", { name: "nps" }, el("option", { value: "" }, "—"), ...scores(0, 10))),
    field(t("comment"), el("textarea", { name: "comment", rows: 2, maxlength: 2000 })),
    el("button", { type: "submit", class: "primary" }, t("confirm")),
    el("p", { class: "error", role: "alert", id: "rating-error" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.elements.csat.value) { $("rating-error").textContent = t("required"); return; }
    const json = { csat: Number(form.elements.csat.value) };
    if (form.elements.nps.value) json.nps = Number(form.elements.nps.value);
    if (form.elements.comment.value.trim()) json.comment = form.elements.comment.value.trim();
    const answer = await api("POST", `${base}/rating`, { json });
    if (!answer.ok) { $("rating-error").textContent = answer.body?.message || t("load_failed"); return; }
    await loadAll();
  });
  return form;
}

async function showRating(rated) {
  const holder = $("rating");
  // Only a rated order has a rating to read (the timeline says so); otherwise offer to take one.
  const answer = rated ? await api("GET", `${base}/rating`) : { ok: false, status: 404 };
  if (answer.ok) {
    const rating = answer.body;
    return holder.replaceChildren(el("dl", { class: "wo-facts", id: "rating-given" },
      el("dt", {}, t("csat")), el("dd", { class: "csat" }, "★".repeat(rating.csat) + "☆".repeat(5 - rating.csat)),
      el("dt", {}, t("nps")), el("dd", {}, rating.nps ?? "—"),
      el("dt", {}, t("comment")), el("dd", {}, rating.comment ?? "—"),
      el("dt", {}), el("dd", { class: "muted" }, `${t(rating.source === "agent" ? "rating_by_agent" : "rating_by_link")} · `
        + formatDateTime(rating.rated_at))));
  }
  if (answer.status !== 404) return fail(holder, answer);
  const rateable = ["resolved", "awaiting_feedback"].includes(order.status);
  const mayRecord = ["agent", "manager", "admin"].includes(data.role);
  holder.replaceChildren(el("p", { class: "muted" }, t("not_rated")), rateable && mayRecord ? ratingForm() : "");
}

// --- loading ------------------------------------------------------------------------------------

async function loadAll() {
  const answer = await api("GET", base);
  if (!answer.ok) {
    $("order-error").textContent = answer.body?.message || t("load_failed");
    $("order-error").hidden = false;
    document.querySelectorAll("#order > header, #order > section, #order > .wo-columns")
      .forEach((node) => { node.hidden = true; });
    $("order").setAttribute("aria-busy", "false");
    return;
  }
  order = answer.body;
  etag = answer.headers.get("ETag");
  showHeader();
  await Promise.all([showClocks(), showActions(), showTimelineAndNotes().then(showRating), showParts(),
                     showChecklist(), showFiles(), showExpenses()]);
  $("order").setAttribute("aria-busy", "false");
}

$("note-form").addEventListener("submit", addNote);
$("action-form").addEventListener("submit", takeAction);
loadAll();
