// The day per engineer as a Gantt chart: travel, jobs and breaks on one row each, the
// time outside the shift shaded. Jobs that may still be moved can be dragged along
// their row (another time) or onto another engineer's row (another engineer).
import { el, formatTime, t } from "../api.js";
import { engineerColour, priorityLabel, statusColour, statusLabel } from "./symbols.js";

const MINUTE = 60_000;
const SNAP_MINUTES = 5;
// Statuses the assign action still accepts, i.e. jobs a dispatcher may move.
const MOVABLE = new Set(["new", "assigned", "accepted"]);

const ms = (iso) => new Date(iso).getTime();

export class Timeline {
  constructor(container, { canPlan, onMove, onSelect }) {
    this.container = container;
    this.canPlan = canPlan;
    this.onMove = onMove;
    this.onSelect = onSelect;
    this.dragging = null;
  }

  get isDragging() { return this.dragging !== null; }

  /** Draw `routes` (the routes API's answer) for `day` (YYYY-MM-DD). */
  render(routes, day) {
    if (this.dragging) return;   // never redraw under the user's pointer
    if (!routes.length) {
      this.container.replaceChildren(el("p", { class: "muted timeline-empty" }, t("timeline.empty")));
      return;
    }
    const [from, to] = this.range(routes, day);
    this.from = from;
    this.to = to;
    const scale = el("div", { class: "tl-row tl-scale" }, el("div", { class: "tl-label" }),
                     el("div", { class: "tl-track" }, ...this.hourTicks()));
    const rows = routes.map((route) => this.row(route));
    this.container.replaceChildren(el("div", { class: "tl-grid", style: `--hours: ${(to - from) / 3_600_000}` },
                                      scale, ...rows));
  }

  range(routes, day) {
    const times = [];
    for (const route of routes) {
      if (route.shift) times.push(ms(route.shift.start), ms(route.shift.end));
      for (const leg of route.legs) times.push(ms(leg.depart), ms(leg.arrive));
      for (const stop of route.stops) times.push(ms(stop.scheduled_start), ms(stop.scheduled_end));
    }
    const hour = 3_600_000;
    const reference = times.length ? Math.min(...times) : Date.parse(`${day}T08:00:00`);
    const from = Math.floor(Math.min(...times, reference) / hour) * hour;
    const to = Math.ceil(Math.max(...times, from + 10 * hour) / hour) * hour;
    return [from, to];
  }

  pct(time) { return ((time - this.from) / (this.to - this.from)) * 100; }

  span(start, end) {
    const left = Math.max(0, this.pct(start));
    const right = Math.min(100, this.pct(end));
    return `left: ${left}%; width: ${Math.max(0.3, right - left)}%`;
  }

  hourTicks() {
    const ticks = [];
    for (let time = this.from; time <= this.to; time += 3_600_000) {
      ticks.push(el("span", { class: "tl-tick", style: `left: ${this.pct(time)}%` },
                    formatTime(new Date(time).toISOString())));
    }
    return ticks;
  }

  row(route) {
    const track = el("div", { class: "tl-track" });
    if (route.shift) {
      track.append(el("div", { class: "tl-off", style: this.span(this.from, ms(route.shift.start)) }),
                   el("div", { class: "tl-off", style: this.span(ms(route.shift.end), this.to) }));
    } else {
      track.append(el("div", { class: "tl-off", style: this.span(this.from, this.to) }));
    }
    for (const item of route.breaks) {
      const label = t(`break.${item.kind}`);
      track.append(el("div", { class: `tl-bar tl-break ${item.fits === false ? "squeezed" : ""}`,
                               dataset: { kind: "break", breakKind: item.kind },
                               style: this.span(ms(item.start), ms(item.end)),
                               title: `${label} ${formatTime(item.start)}–${formatTime(item.end)}` }, label));
    }
    for (const leg of route.legs) {
      const minutes = Math.round(leg.travel_s / 60);
      track.append(el("div", { class: `tl-bar tl-travel ${leg.tight ? "tight" : ""}`, dataset: { kind: "travel" },
                               style: this.span(ms(leg.depart), ms(leg.arrive)),
                               title: `${t(leg.tight ? "travel_tight" : "travel")} ${minutes} min · `
                                      + `${(leg.distance_m / 1000).toFixed(1)} km` }));
    }
    for (const stop of route.stops) track.append(this.jobBar(route, stop));
    const colour = engineerColour(route.engineer_id);
    return el("div", { class: "tl-row", dataset: { engineerId: route.engineer_id } },
              el("div", { class: "tl-label", title: route.name },
                 el("span", { class: "tl-dot", style: `background: ${colour}` }), route.name,
                 el("span", { class: "badge", title: t("route_of", { name: route.name, count: route.stops.length }) },
                    route.stops.length)),
              track);
  }

  jobBar(route, stop) {
    const start = ms(stop.scheduled_start);
    const end = ms(stop.scheduled_end);
    const movable = this.canPlan && MOVABLE.has(stop.status);
    const bar = el("div", {
      class: `tl-bar tl-job ${movable ? "movable" : ""}`,
      dataset: { kind: "job", orderId: stop.order_id, status: stop.status, number: stop.number },
      style: `${this.span(start, end)}; background: ${statusColour(stop.status)}`,
      title: `${stop.number} · ${statusLabel(stop.status)} · ${priorityLabel(stop.priority)} · `
             + `${formatTime(stop.scheduled_start)}–${formatTime(stop.scheduled_end)}`,
      tabindex: 0,
    }, stop.number.slice(-4));
    bar.addEventListener("keydown", (event) => { if (event.key === "Enter") this.onSelect(stop.order_id); });
    bar.addEventListener("pointerdown", (event) => this.pointerDown(event, bar, route, stop));
    return bar;
  }

  pointerDown(event, bar, route, stop) {
    if (event.button !== 0) return;
    if (!bar.classList.contains("movable")) {
      this.onSelect(stop.order_id);
      return;
    }
    event.preventDefault();
    bar.setPointerCapture(event.pointerId);
    const track = bar.parentElement;
    this.dragging = { bar, route, stop, startX: event.clientX, width: track.getBoundingClientRect().width,
                      left: parseFloat(bar.style.left), minutes: 0, target: route.engineer_id, row: null };
    bar.classList.add("dragging");
    const move = (e) => this.pointerMove(e);
    const up = (e) => {
      bar.removeEventListener("pointermove", move);
      bar.removeEventListener("pointerup", up);
      bar.removeEventListener("pointercancel", up);
      this.pointerUp(e);
    };
    bar.addEventListener("pointermove", move);
    bar.addEventListener("pointerup", up);
    bar.addEventListener("pointercancel", up);
  }

  pointerMove(event) {
    const drag = this.dragging;
    const totalMinutes = (this.to - this.from) / MINUTE;
    const raw = ((event.clientX - drag.startX) / drag.width) * totalMinutes;
    drag.minutes = Math.round(raw / SNAP_MINUTES) * SNAP_MINUTES;
    drag.bar.style.left = `${drag.left + (drag.minutes / totalMinutes) * 100}%`;
    const start = new Date(ms(drag.stop.scheduled_start) + drag.minutes * MINUTE).toISOString();
    drag.bar.dataset.preview = formatTime(start);
    const row = document.elementsFromPoint(event.clientX, event.clientY)
      .map((node) => node.closest?.(".tl-row[data-engineer-id]")).find(Boolean);
    drag.row?.classList.remove("drop-target");
    drag.row = row && Number(row.dataset.engineerId) !== drag.route.engineer_id ? row : null;
    drag.row?.classList.add("drop-target");
    drag.target = drag.row ? Number(drag.row.dataset.engineerId) : drag.route.engineer_id;
  }

  pointerUp() {
    const drag = this.dragging;
    this.dragging = null;
    drag.bar.classList.remove("dragging");
    drag.row?.classList.remove("drop-target");
    delete drag.bar.dataset.preview;
    if (drag.minutes === 0 && drag.target === drag.route.engineer_id) {
      drag.bar.style.left = `${drag.left}%`;
      this.onSelect(drag.stop.order_id);
      return;
    }
    const shift = drag.minutes * MINUTE;
    this.onMove({
      orderId: drag.stop.order_id, number: drag.stop.number, engineerId: drag.target,
      start: new Date(ms(drag.stop.scheduled_start) + shift).toISOString(),
      end: new Date(ms(drag.stop.scheduled_end) + shift).toISOString(),
      revert: () => { drag.bar.style.left = `${drag.left}%`; },
    });
  }
}
