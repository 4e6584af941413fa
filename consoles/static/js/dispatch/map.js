// The Leaflet map: the day's orders (clustered when dense), the engineers' last
// positions, their booked routes and, while an optimisation is previewed, its routes.
import { el, formatDateTime, formatTime, t } from "../api.js";
import { engineerColour, orderSymbol, priorityLabel, statusLabel } from "./symbols.js";

const SHANGHAI = [31.2304, 121.4737];
const latLng = (point) => [point.coordinates[1], point.coordinates[0]];

export class DispatchMap {
  constructor(container, tileUrl, { onOpenCandidates, canPlan }) {
    this.map = L.map(container, { zoomControl: true }).setView(SHANGHAI, 11);
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(this.map);
    this.orders = L.markerClusterGroup({ maxClusterRadius: 40, disableClusteringAtZoom: 15,
                                         showCoverageOnHover: false });
    this.routes = L.layerGroup();
    this.preview = L.layerGroup();
    this.engineers = L.layerGroup();
    for (const layer of [this.routes, this.preview, this.orders, this.engineers]) layer.addTo(this.map);
    this.markers = new Map();   // order id → marker
    this.onOpenCandidates = onOpenCandidates;
    this.canPlan = canPlan;
    this.fittedDay = null;
  }

  /** Show `features` (the map layer of the day); fit the view the first time a day is shown. */
  showOrders(features, day) {
    this.orders.clearLayers();
    this.markers.clear();
    for (const feature of features) {
      const order = feature.properties;
      const icon = L.divIcon({
        className: "order-marker",
        html: `<span data-order-id="${order.id}" data-status="${order.status}" data-priority="${order.priority}">`
          + `${orderSymbol(order.status, order.priority).outerHTML}</span>`,
        iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10],
      });
      const marker = L.marker(latLng(feature.geometry), { icon, title: `${order.number} · ${statusLabel(order.status)}`,
                                                          riseOnHover: true });
      marker.bindPopup(() => this.popupFor(order));
      this.markers.set(order.id, marker);
      this.orders.addLayer(marker);
    }
    if (this.fittedDay !== day && features.length) {
      this.map.fitBounds(L.latLngBounds(features.map((f) => latLng(f.geometry))).pad(0.1), { maxZoom: 14 });
      this.fittedDay = day;
    }
  }

  popupFor(order) {
    const lines = [
      el("strong", {}, order.number), " ", el("span", { class: "badge" }, statusLabel(order.status)),
      " ", el("span", { class: "badge" }, priorityLabel(order.priority)),
      el("div", {}, order.title), el("div", { class: "muted" }, order.customer_name || ""),
    ];
    if (order.window) lines.push(el("div", {}, t("window", { start: formatTime(order.window.start),
                                                              end: formatTime(order.window.end) })));
    if (order.scheduled) lines.push(el("div", {}, t("scheduled", { start: formatTime(order.scheduled.start),
                                                                    end: formatTime(order.scheduled.end) })));
    lines.push(el("div", {}, order.engineer_name ? t("engineer", { name: order.engineer_name })
                                                 : t("unassigned_order")));
    if (["new", "assigned", "accepted"].includes(order.status)) {
      lines.push(el("button", { type: "button", class: "popup-candidates",
                                onclick: () => this.onOpenCandidates(order.id) }, t("candidates")));
    }
    return el("div", { class: "order-popup" }, ...lines);
  }

  /** Bring an order into view (out of its cluster) and open its popup. */
  focusOrder(orderId) {
    const marker = this.markers.get(orderId);
    if (!marker) return;
    this.orders.zoomToShowLayer(marker, () => marker.openPopup());
  }

  showEngineers(features) {
    this.engineers.clearLayers();
    for (const feature of features) {
      const engineer = feature.properties;
      const icon = L.divIcon({
        className: `engineer-marker engineer-${engineer.id}`, iconSize: [22, 22], iconAnchor: [11, 27],
        html: `<span class="engineer-pin" style="background: ${engineerColour(engineer.id)}"><b></b></span>`,
      });
      const marker = L.marker(latLng(feature.geometry), { icon, zIndexOffset: 1000, keyboard: false });
      marker.on("add", () => {
        const initial = marker.getElement()?.querySelector("b");
        if (initial) initial.textContent = [...engineer.name][0] || "";
      });
      marker.bindTooltip(`${engineer.name} · ${t("engineer_seen", { time: formatDateTime(engineer.last_position_at) })}`)
        .addTo(this.engineers);
    }
  }

  /** The booked routes: home base → stops → home base, one colour per engineer. */
  showRoutes(routes) {
    this.routes.clearLayers();
    for (const route of routes) {
      const points = route.stops.map((stop) => latLng(stop.location));
      if (route.home_base) {
        points.unshift(latLng(route.home_base));
        if (route.legs?.some((leg) => leg.to_order_id === null)) points.push(latLng(route.home_base));
        L.circleMarker(latLng(route.home_base), { radius: 4, color: engineerColour(route.engineer_id), weight: 2,
                                                  fillColor: "#fff", fillOpacity: 1, className: "home-marker" })
          .bindTooltip(t("home_base", { name: route.name })).addTo(this.routes);
      }
      L.polyline(points, { color: engineerColour(route.engineer_id), weight: 3, opacity: 0.85,
                           className: `route-line route-${route.engineer_id}` })
        .bindTooltip(t("route_of", { name: route.name, count: route.stops.length })).addTo(this.routes);
    }
  }

  /** The optimiser's proposal, dashed, over the booked routes. `locations`: order number → GeoJSON point. */
  showPreview(plan, locations, names) {
    this.preview.clearLayers();
    if (!plan) return;
    for (const route of plan.routes) {
      const engineerId = Number(route.engineer.slice(1));
      const points = route.stops.map((stop) => locations.get(stop.job)).filter(Boolean).map(latLng);
      if (points.length < 1) continue;
      L.polyline(points, { color: engineerColour(engineerId), weight: 4, dashArray: "8 6", opacity: 0.95,
                           className: "preview-line" })
        .bindTooltip(t("planned_route", { name: names.get(engineerId) || route.engineer })).addTo(this.preview);
    }
  }

  invalidate() { this.map.invalidateSize(); }
}
