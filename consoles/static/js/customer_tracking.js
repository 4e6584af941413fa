// Where is my technician: draws the site and the engineer's approximate position (a
// circle covering the grid cell the server snapped it to), and asks the server again
// every `refresh_s` seconds. The server never sends the exact position.
import { formatTime, t } from "./api.js";

const card = document.querySelector(".tracking");
const statusUrl = card.dataset.statusUrl;
let view = JSON.parse(document.getElementById("tracking-initial").textContent);
let map = null;
let siteMarker = null;
let engineerArea = null;

function lonLatToLeaflet(point) {
  return point ? [point.coordinates[1], point.coordinates[0]] : null;
}

function drawMap() {
  if (typeof L === "undefined") return;   // Leaflet failed to load: the text still says it all
  const site = lonLatToLeaflet(view.site);
  if (!site) return;
  if (!map) {
    map = L.map("tracking-map", { zoomControl: false, attributionControl: false }).setView(site, 14);
    L.tileLayer(card.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    siteMarker = L.circleMarker(site, { radius: 7, color: "#17324d", fillOpacity: 1 }).addTo(map);
  }
  const engineer = lonLatToLeaflet(view.engineer_position);
  if (engineerArea) { engineerArea.remove(); engineerArea = null; }
  if (engineer) {
    engineerArea = L.circle(engineer, { radius: view.position_cell_m / Math.SQRT2, color: "#0b6bcb", fillOpacity: .25 })
      .addTo(map);
    map.fitBounds(L.latLngBounds([site, engineer]).pad(0.4), { maxZoom: 15 });
  }
}

function render() {
  card.dataset.state = view.state;
  card.querySelector(".tracking-state").textContent = t(view.state);
  const eta = card.querySelector(".eta");
  if (view.state === "arrived" || view.state === "ended") eta.textContent = "";
  else eta.textContent = view.eta ? t("eta", { time: formatTime(view.eta) }) : t("eta_unknown");
  const note = card.querySelector(".position-note");
  if (view.engineer_position) {
    note.textContent = t("position_note", { metres: view.position_cell_m, time: formatTime(view.position_at) });
  } else {
    note.textContent = view.state === "on_the_way" ? t("no_position") : "";
  }
  card.querySelector(".updated").textContent = t("updated", { time: formatTime(new Date().toISOString()) });
  drawMap();
}

async function refresh() {
  try {
    const answer = await fetch(statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (answer.status === 404 || answer.status === 410) {
      view = { ...view, state: "ended", engineer_position: null };
    } else if (answer.ok) {
      view = await answer.json();
    } else {
      throw new Error(String(answer.status));
    }
    render();
  } catch {
    card.querySelector(".updated").textContent = t("offline");
  }
  if (view.state !== "ended") setTimeout(refresh, Math.min(view.refresh_s || 15, 15) * 1000);
}

render();
setTimeout(refresh, Math.min(view.refresh_s || 15, 15) * 1000);
