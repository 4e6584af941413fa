// The manager's dashboard: the KPI API's rows for a period, drawn with Chart.js (served
// from npm at /vendor/chart.js). Every number comes from the API; this module only sums
// rows into headline figures and lays them out per bucket.
import { api, language, t, todayInZone } from "./api.js";

const KPIS = "/api/v1/kpis";
const $ = (selector, root = document) => root.querySelector(selector);
const Chart = globalThis.Chart;
const COLOURS = ["#0b6bcb", "#2e7d32", "#b26a00", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a",
                 "#ad1457", "#9e9d24"];
const charts = {};
// The charts, for whoever inspects the page (the e2e tests compare their data with the API).
globalThis.dashboardCharts = charts;

// -- dates: local dates as "YYYY-MM-DD", computed in UTC so no zone shifts them ---------

const toDate = (text) => new Date(`${text}T00:00:00Z`);
const toText = (date) => date.toISOString().slice(0, 10);
const addDays = (text, days) => toText(new Date(toDate(text).getTime() + days * 86_400_000));
const daysBetween = (a, b) => Math.round((toDate(b) - toDate(a)) / 86_400_000);

function mondayOf(text) {
  const weekday = (toDate(text).getUTCDay() + 6) % 7;
  return addDays(text, -weekday);
}

/** Every bucket of the range, as the API names them (a day, or a week's Monday). */
function bucketsOf(from, to, period) {
  const buckets = [];
  if (period === "month") {
    for (let month = `${from.slice(0, 7)}-01`; month <= to;) {
      buckets.push(month);
      const next = toDate(month);
      next.setUTCMonth(next.getUTCMonth() + 1);
      month = toText(next);
    }
    return buckets;
  }
  for (let day = period === "week" ? mondayOf(from) : from; day <= to; day = addDays(day, period === "week" ? 7 : 1)) {
    buckets.push(day);   // a partial first week is named by its Monday, as the API does
  }
  return buckets;
}

const dayFormat = new Intl.DateTimeFormat(language, { timeZone: "UTC", month: "numeric", day: "numeric" });
const monthFormat = new Intl.DateTimeFormat(language, { timeZone: "UTC", year: "numeric", month: "short" });
const bucketLabel = (bucket, period) => (period === "week" ? t("week_of", { date: dayFormat.format(toDate(bucket)) })
  : period === "month" ? monthFormat.format(toDate(bucket)) : dayFormat.format(toDate(bucket)));
const number = (value, digits = 0) => new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);

const MAX_MONTHS_DAYS = 1830;

// -- the period ---------------------------------------------------------------------------

function chosenPeriod() {
  const form = $("#period");
  let { from, to } = { from: form.from.value, to: form.to.value };
  if (form.days.value !== "custom" || !from || !to) {
    to = todayInZone();
    from = addDays(to, -(Number(form.days.value === "custom" ? 30 : form.days.value) - 1));
    form.from.value = from;
    form.to.value = to;
  }
  if (from > to) [from, to] = [to, from];
  // The API's longest ranges: 366 days by day, 732 by week, 1830 by month.
  if (daysBetween(from, to) + 1 > MAX_MONTHS_DAYS) from = addDays(to, -(MAX_MONTHS_DAYS - 1));
  const span = daysBetween(from, to) + 1;
  const period = span <= 31 ? "day" : span <= 732 ? "week" : "month";
  return { from, to, period, team: form.team.value ? Number(form.team.value) : null };
}

/** A KPI's rows for the period; with a team, that team's rows (the API groups by team). */
async function kpi(name, range, { period = range.period, by } = {}) {
  const query = new URLSearchParams({ from: range.from, to: range.to, period });
  const grouping = by ?? (range.team ? "team" : null);
  if (grouping) query.set("by", grouping);
  const answer = await api("GET", `${KPIS}/${name}?${query}`);
  if (!answer.ok) return { error: answer };
  const rows = range.team && !by ? answer.body.filter((row) => row.group_id === range.team) : answer.body;
  return { rows };
}

// -- drawing ------------------------------------------------------------------------------

function figure(key) {
  return $(`[data-chart="${key}"]`);
}

/** Draw (or redraw) a chart; with nothing to show, say so instead of an empty frame. */
function draw(key, config, hasData, problem = null) {
  const box = figure(key);
  charts[key]?.destroy();
  delete charts[key];
  const empty = $(".empty", box);
  $(".canvas-box", box).hidden = !hasData;
  empty.hidden = hasData;
  box.dataset.state = problem ? "error" : hasData ? "drawn" : "empty";
  if (!hasData) {
    empty.textContent = problem ?? t("no_data");
    return;
  }
  charts[key] = new Chart($("canvas", box), {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false,
               plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }, ...config.options },
  });
}

function problemOf(result) {
  if (!result.error) return null;
  return result.error.status === 403 ? t("not_for_role")
    : t("load_failed", { reason: result.error.body?.message ?? result.error.status });
}

function stacked(key, result, field, labelOf, range) {
  const buckets = bucketsOf(range.from, range.to, range.period);
  const rows = result.rows ?? [];
  const values = [...new Set(rows.map((row) => row[field]))].sort();
  const datasets = values.map((value, index) => ({
    label: labelOf(value), key: value, backgroundColor: COLOURS[index % COLOURS.length],
    data: buckets.map((bucket) => rows.filter((row) => row.bucket === bucket && row[field] === value)
      .reduce((sum, row) => sum + row.orders, 0)),
  }));
  draw(key, {
    type: "bar",
    data: { labels: buckets.map((b) => bucketLabel(b, range.period)), datasets },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: t("orders") } } } },
  }, rows.length > 0, problemOf(result));
}

function series(rows, buckets, field) {
  return buckets.map((bucket) => rows.find((row) => row.bucket === bucket)?.[field] ?? null);
}

function line(label, data, colour, extra = {}) {
  return { label, data, borderColor: colour, backgroundColor: colour, spanGaps: true, tension: 0.2, ...extra };
}

function tile(name, text) {
  $(`[data-tile="${name}"] strong`).textContent = text;
}

/** Σ value × weight / Σ weight over rows (a mean of means weighted by their counts). */
function weighted(rows, value, weight) {
  const total = rows.reduce((sum, row) => sum + (row[value] == null ? 0 : row[weight]), 0);
  return total ? rows.reduce((sum, row) => sum + (row[value] ?? 0) * row[weight], 0) / total : null;
}

const minutes = (value) => (value == null ? "–" : value >= 120 ? t("hours", { n: number(value / 60, 1) })
  : t("minutes", { n: number(value) }));

// -- the dashboard ------------------------------------------------------------------------

let generation = 0;
// Customers' verdicts are few a day: per week (per month over the longest ranges).
const weekly = (range) => (range.period === "month" ? "month" : "week");

async function load() {
  const mine = ++generation;
  const range = chosenPeriod();
  document.body.dataset.state = "loading";
  $("#range-note").textContent = `${range.from} – ${range.to}`;
  const [channel, status, response, resolution, sla, csat, nps, utilisation, engineers] = await Promise.all([
    kpi("volume-by-channel", range), kpi("volume-by-status", range),
    kpi("first-response-time", range), kpi("time-to-resolve", range), kpi("sla-compliance", range),
    kpi("csat", range, { period: weekly(range) }), kpi("nps", range, { period: weekly(range) }),
    kpi("engineer-utilisation", range, { period: "month", by: "engineer" }),
    range.team ? api("GET", `/api/v1/engineers?team_id=${range.team}&page_size=100`) : null,
  ]);
  if (mine !== generation) return;   // a newer period was chosen meanwhile

  stacked("channel", channel, "channel", (value) => t(`channel.${value}`), range);
  stacked("status", status, "status", (value) => t(`status.${value}`), range);

  const buckets = bucketsOf(range.from, range.to, range.period);
  const labels = buckets.map((b) => bucketLabel(b, range.period));
  draw("durations", {
    type: "line",
    data: { labels, datasets: [
      line(t("first_response_median"), series(response.rows ?? [], buckets, "median_minutes"), COLOURS[0]),
      line(t("first_response_p90"), series(response.rows ?? [], buckets, "p90_minutes"), COLOURS[0], { borderDash: [6, 4] }),
      line(t("resolution_median"), series(resolution.rows ?? [], buckets, "median_minutes"), COLOURS[2]),
      line(t("resolution_p90"), series(resolution.rows ?? [], buckets, "p90_minutes"), COLOURS[2], { borderDash: [6, 4] }),
    ] },
    options: { scales: { y: { beginAtZero: true } } },
  }, Boolean(response.rows?.length || resolution.rows?.length), problemOf(response.error ? response : resolution));

  const arrival = (sla.rows ?? []).filter((row) => row.target === "arrival");
  draw("on_time", {
    type: "bar",
    data: { labels, datasets: [{ label: t("on_time"), data: series(arrival, buckets, "compliance_pct"),
                                 backgroundColor: COLOURS[1] }] },
    options: { scales: { y: { min: 0, max: 100 } } },
  }, arrival.length > 0, problemOf(sla));

  const weeks = bucketsOf(range.from, range.to, weekly(range));
  draw("satisfaction", {
    type: "line",
    data: { labels: weeks.map((w) => bucketLabel(w, weekly(range))), datasets: [
      line(t("csat"), series(csat.rows ?? [], weeks, "csat_mean"), COLOURS[3], { yAxisID: "csat" }),
      line(t("nps"), series(nps.rows ?? [], weeks, "nps"), COLOURS[5], { yAxisID: "nps" }),
    ] },
    options: { scales: { csat: { position: "left", min: 1, max: 5 }, nps: { position: "right", min: -100, max: 100,
                                                                          grid: { drawOnChartArea: false } } } },
  }, Boolean(csat.rows?.length || nps.rows?.length), problemOf(csat.error ? csat : nps));

  // Utilisation per engineer over the whole period: the monthly rows summed.
  const inTeam = engineers?.ok ? new Set(engineers.body.map((engineer) => engineer.id)) : null;
  const perEngineer = new Map();
  for (const row of utilisation.rows ?? []) {
    if (row.group_id == null || (inTeam && !inTeam.has(row.group_id))) continue;
    const sums = perEngineer.get(row.group_id) ?? { name: row.group_name, busy: 0, shift: 0 };
    sums.busy += (row.travel_hours ?? 0) + (row.work_hours ?? 0);
    sums.shift += row.shift_hours ?? 0;
    perEngineer.set(row.group_id, sums);
  }
  // Engineers with travel or work in the period (the tile counts everyone's shifts).
  const everyone = [...perEngineer.values()];
  const ranked = everyone.filter((e) => e.shift > 0 && e.busy > 0)
    .map((e) => ({ ...e, pct: Math.round((10000 * e.busy) / e.shift) / 100 }))
    .sort((a, b) => b.pct - a.pct);
  draw("utilisation", {
    type: "bar",
    data: { labels: ranked.map((e) => e.name), datasets: [{ label: t("utilisation"), data: ranked.map((e) => e.pct),
                                                            backgroundColor: COLOURS[0] }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
  }, ranked.length > 0, problemOf(utilisation));
  const utilisationBox = figure("utilisation").querySelector(".canvas-box");
  utilisationBox.style.height = `${Math.max(220, ranked.length * 22 + 60)}px`;
  charts.utilisation?.resize();

  // Headline tiles.
  const orders = (channel.rows ?? []).reduce((sum, row) => sum + row.orders, 0);
  tile("orders", channel.rows ? number(orders) : "–");
  tile("first_response", minutes(weighted(response.rows ?? [], "mean_minutes", "orders")));
  tile("resolution", minutes(weighted(resolution.rows ?? [], "mean_minutes", "orders")));
  const due = arrival.reduce((sum, row) => sum + row.met + row.breached + row.overdue, 0);
  tile("on_time", due ? `${number((100 * arrival.reduce((s, r) => s + r.met, 0)) / due, 1)}%` : "–");
  const csatMean = weighted(csat.rows ?? [], "csat_mean", "ratings");
  tile("csat", csatMean == null ? "–" : number(csatMean, 2));
  const answers = (nps.rows ?? []).reduce((sum, row) => sum + row.responses, 0);
  tile("nps", answers ? number((100 * (nps.rows.reduce((s, r) => s + r.promoters - r.detractors, 0))) / answers, 1) : "–");
  const busy = everyone.reduce((sum, e) => sum + e.busy, 0);
  const shift = everyone.reduce((sum, e) => sum + e.shift, 0);
  tile("utilisation", shift ? `${number((100 * busy) / shift, 1)}%` : "–");

  document.body.dataset.range = `${range.from}/${range.to}/${range.period}`;
  document.body.dataset.state = "ready";
}

async function start() {
  const teams = await api("GET", "/api/v1/teams?page_size=100");
  const select = $("#period").team;
  if (teams.ok) {
    for (const team of teams.body) select.append(new Option(team.name, team.id));
  } else {
    select.closest("label").hidden = true;   // a role that may not list teams sees all
  }
  const form = $("#period");
  form.addEventListener("change", (event) => {
    if (event.target.type === "date") form.days.value = "custom";
    load();
  });
  await load();
}

start();
