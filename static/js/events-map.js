// Map of last-known locations (events/map.html): Leaflet with the markers clustered (leaflet.markercluster),
// drawn on the vendored world outline (world-atlas, read with topojson-client) or on the tiles of
// MAP_TILE_URL (data-tile-url) where a deployment has a tile server. The markers come from the JSON endpoint
// (data-markers-url) for the area in view: one per SIM up to the server's cap, else groups the server made.
// No inline script (CSP).
(function () {
  "use strict";

  function text(tag, value, cls) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function popup(marker, simUrl) {
    const box = document.createElement("div");
    const link = text("a", marker.name || marker.sid);
    link.href = simUrl.replace("SID", encodeURIComponent(marker.sid));
    box.appendChild(link);
    box.appendChild(text("div", marker.online ? "Online" : "Offline"));
    if (marker.network) box.appendChild(text("div", marker.network));
    if (marker.last_seen) box.appendChild(text("div", "Last seen " + new Date(marker.last_seen).toLocaleString()));
    return box;
  }

  function clusterIcon(count, cls) {
    const size = count < 10 ? 30 : count < 100 ? 36 : 44;
    return L.divIcon({
      html: '<div><span class="map-cluster-count">' + Number(count).toLocaleString() + "</span></div>",
      className: "marker-cluster " + cls,
      iconSize: L.point(size, size),
    });
  }

  // world-atlas is cut for a spherical projection: a ring crossing the antimeridian jumps from +180 to -180
  // and Leaflet's flat map would draw a stripe across the world. Keep each ring's longitudes continuous
  // (Chukotka at 190° rather than -170°); Antarctica (id 010), a band along the bottom edge, is left out.
  function unwrap(ring) {
    const out = [];
    let shift = 0;
    ring.forEach(function (p, i) {
      let lon = p[0] + shift;
      if (i > 0) {
        const d = lon - out[i - 1][0];
        if (d > 180) { shift -= 360; lon -= 360; } else if (d < -180) { shift += 360; lon += 360; }
      }
      out.push([lon, p[1]]);
    });
    return out;
  }

  function flat(land) {
    land.features = land.features.filter(function (f) { return f.id !== "010" && f.geometry; });
    land.features.forEach(function (f) {
      const g = f.geometry;
      const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      polygons.forEach(function (poly) {
        for (let r = 0; r < poly.length; r += 1) poly[r] = unwrap(poly[r]);
      });
    });
    return land;
  }

  function start(el) {
    const status = document.getElementById("sim-map-status");
    const map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 18 }).setView([30, 0], 2);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    } else {
      fetch(el.dataset.outlineUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (topo) {
          const land = flat(topojson.feature(topo, topo.objects.countries));
          L.geoJSON(land, { interactive: false, style: { className: "map-land", weight: 0.6, fillOpacity: 1 } })
            .addTo(map).bringToBack();
        });
    }
    const sims = L.markerClusterGroup({
      showCoverageOnHover: false,
      iconCreateFunction: function (cluster) {
        const n = cluster.getChildCount();
        return clusterIcon(n, n < 10 ? "marker-cluster-small" : n < 100 ? "marker-cluster-medium" : "marker-cluster-large");
      },
    }).addTo(map);
    const groups = L.layerGroup().addTo(map);
    let pending = null;

    function load() {
      const b = map.getBounds();
      const west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
      const bbox = [west, Math.max(-90, b.getSouth()), east, Math.min(90, b.getNorth())].map(function (v) { return v.toFixed(4); });
      const url = new URL(el.dataset.markersUrl, window.location.href);
      if (east - west < 359) url.searchParams.set("bbox", bbox.join(","));
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url, { credentials: "same-origin", signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) {
          sims.clearLayers();
          groups.clearLayers();
          data.markers.forEach(function (m) {
            const marker = L.marker([m.lat, m.lon], {
              title: (m.name || m.sid) + (m.online ? " (online)" : " (offline)"),
              icon: L.divIcon({ className: "map-sim " + (m.online ? "map-sim-online" : "map-sim-offline"), iconSize: [14, 14] }),
            });
            marker.bindPopup(popup(m, el.dataset.simUrl));
            sims.addLayer(marker);
          });
          data.clusters.forEach(function (g) {
            const marker = L.marker([g.lat, g.lon], { title: g.count + " SIMs", icon: clusterIcon(g.count, "map-group") });
            marker.on("click", function () { map.setView([g.lat, g.lon], Math.min(map.getZoom() + 2, 18)); });
            groups.addLayer(marker);
          });
          el.dataset.loaded = String(data.total);
          status.textContent = data.message || (data.total === 0
            ? "No SIM in view has reported a location yet."
            : data.total.toLocaleString() + (data.total === 1 ? " located SIM in view." : " located SIMs in view."));
        })
        .catch(function (err) { if (err.name !== "AbortError") status.textContent = "The markers could not be loaded (" + err.message + ")."; });
    }
    map.on("moveend", load);
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    const el = document.getElementById("sim-map");
    if (el && window.L) start(el);
  });
})();
