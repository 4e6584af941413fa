// The unassigned orders of the day beside the map, narrowed by skill, priority and district.
import { el, formatTime, language, t } from "../api.js";
import { orderSymbol, priorityLabel, settings, statusLabel } from "./symbols.js";

// Orders without an engineer that still need one (an order on hold may have lost its engineer).
const NEEDS_ENGINEER = new Set(["new", "on_hold"]);
const NO_DISTRICT = "\u0000none";

export class UnassignedList {
  constructor({ form, list, count, onSelect, onCandidates }) {
    this.form = form;
    this.list = list;
    this.count = count;
    this.onSelect = onSelect;
    this.onCandidates = onCandidates;
    this.skillNames = new Map();
    this.orders = [];
    this.selectedId = null;
    form.addEventListener("change", () => this.render());
    this.fillSelect("priority", settings.priorities.map((p) => [p.value, priorityLabel(p.value)]));
  }

  /** The skill catalogue ({code, name_en, name_zh}), for the skill filter's labels. */
  setSkills(skills) {
    const zh = language.startsWith("zh");
    this.skillNames = new Map(skills.map((s) => [s.code, zh ? s.name_zh : s.name_en]));
    this.fillSelect("skill", skills.map((s) => [s.code, this.skillNames.get(s.code)]));
  }

  fillSelect(name, options) {
    const select = this.form.elements[name];
    const current = select.value;
    select.replaceChildren(el("option", { value: "" }, t("all")),
                           ...options.map(([value, label]) => el("option", { value }, label)));
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  /** The day's map features; keeps the filters, refreshes the district choices. */
  setOrders(features) {
    this.orders = features.map((f) => f.properties)
      .filter((o) => o.engineer_id === null && NEEDS_ENGINEER.has(o.status));
    const districts = [...new Set(this.orders.map((o) => o.district ?? NO_DISTRICT))].sort();
    this.fillSelect("district", districts.map((d) => [d, d === NO_DISTRICT ? t("no_district") : d]));
    this.render();
  }

  filtered() {
    const { skill, priority, district } = Object.fromEntries(new FormData(this.form));
    return this.orders.filter((o) =>
      (!skill || o.required_skills.some((s) => s.skill === skill))
      && (!priority || o.priority === priority)
      && (!district || (o.district ?? NO_DISTRICT) === district));
  }

  select(orderId) {
    this.selectedId = orderId;
    for (const item of this.list.children) item.classList.toggle("selected", Number(item.dataset.orderId) === orderId);
  }

  render() {
    const shown = this.filtered();
    this.count.textContent = String(shown.length);
    this.count.title = t("unassigned_count", { count: shown.length });
    if (!shown.length) {
      this.list.replaceChildren(el("li", { class: "empty muted" }, t("unassigned_none")));
      return;
    }
    this.list.replaceChildren(...shown.map((order) => this.item(order)));
    this.select(this.selectedId);
  }

  item(order) {
    const skills = order.required_skills
      .map((s) => `${this.skillNames.get(s.skill) || s.skill} ≥${s.level}`).join(", ");
    const window = order.window ? t("window", { start: formatTime(order.window.start), end: formatTime(order.window.end) })
                                : "";
    return el("li", { dataset: { orderId: order.id, priority: order.priority }, class: "order-item" },
      el("button", { type: "button", class: "order-pick", onclick: () => this.onSelect(order.id) },
        orderSymbol(order.status, order.priority, 18),
        el("span", { class: "order-head" }, el("strong", {}, order.number), " ",
           el("span", { class: "muted" }, priorityLabel(order.priority)),
           order.status !== "new" ? el("span", { class: "badge" }, statusLabel(order.status)) : null),
        el("span", { class: "order-title" }, order.title),
        el("span", { class: "muted" }, [order.district, window, t("duration_min", { minutes: order.estimated_duration_min })]
          .filter(Boolean).join(" · ")),
        skills ? el("span", { class: "muted skills" }, skills) : null),
      el("button", { type: "button", class: "candidates-button", onclick: () => this.onCandidates(order.id) },
         t("candidates")));
  }
}
