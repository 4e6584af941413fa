// How the dispatch console draws things: a colour per status, a shape per priority,
// a colour per engineer, and the legend that explains them.
import { el, t } from "../api.js";

const settings = JSON.parse(document.getElementById("dispatch-settings").textContent);
const statusColours = Object.fromEntries(settings.statuses.map((s) => [s.value, s.colour]));
const priorityShapes = Object.fromEntries(settings.priorities.map((p) => [p.value, p.shape]));

export { settings };

export function statusColour(status) {
  return statusColours[status] || "#555";
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG symbol of `size` px: the priority's shape filled with the status's colour. */
export function orderSymbol(status, priority, size = 22) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("aria-hidden", "true");
  const shape = priorityShapes[priority] || "circle";
  let node;
  if (shape === "circle") {
    node = document.createElementNS(SVG_NS, "circle");
    node.setAttribute("cx", 12); node.setAttribute("cy", 12); node.setAttribute("r", 8.5);
  } else {
    node = document.createElementNS(SVG_NS, "polygon");
    const points = { triangle: "12,2 22.5,21 1.5,21", diamond: "12,1.5 22.5,12 12,22.5 1.5,12",
                     square: "4,4 20,4 20,20 4,20" }[shape];
    node.setAttribute("points", points);
  }
  node.setAttribute("fill", statusColour(status));
  node.setAttribute("stroke", "#fff");
  node.setAttribute("stroke-width", "2");
  svg.append(node);
  return svg;
}

/** A distinct, stable colour for an engineer (golden-angle hues). */
export function engineerColour(engineerId) {
  const hue = Math.round((engineerId * 137.508) % 360);
  return `hsl(${hue}, 70%, 40%)`;
}

export function statusLabel(status) { return t(`status.${status}`); }
export function priorityLabel(priority) { return t(`priority.${priority}`); }

/** Fill the legend's lists with every status colour and priority shape, translated. */
export function renderLegend() {
  const statuses = document.getElementById("legend-status");
  const priorities = document.getElementById("legend-priority");
  statuses.replaceChildren(...settings.statuses.map((s) =>
    el("li", { dataset: { status: s.value } }, orderSymbol(s.value, "normal", 16), " ", statusLabel(s.value))));
  priorities.replaceChildren(...settings.priorities.map((p) =>
    el("li", { dataset: { priority: p.value } }, orderSymbol("closed", p.value, 16), " ", priorityLabel(p.value))));
}

/** A warning code of a candidate or assignment check, in words. */
export function warningLabel(code) {
  const key = `warning.${code}`;
  const text = t(key);
  return text === key ? code : text;
}
