// Usage page: draws each <canvas data-usage-chart> from its JSON endpoint (data-url) with Chart.js, and
// shows only the member field that matches the chosen scope. No inline script (CSP).
(function () {
  "use strict";

  // the rule of apps.core.units.data_size (the pages' formatter): decimal units, at most two decimals,
  // trailing zeros dropped ("20 GB", "1.23 MB")
  function fmtBytes(value) {
    const units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let size = Math.abs(Number(value) || 0);
    const sign = Number(value) < 0 ? "-" : "";
    let unit = 0;
    while (size >= 1000 && unit < units.length - 1) { size /= 1000; unit += 1; }
    let text = (Math.round(size * 100) / 100).toLocaleString("en-US", { maximumFractionDigits: 2 });
    if (text === "1,000" && unit < units.length - 1) { text = "1"; unit += 1; }
    return sign + text + " " + units[unit];
  }

  function label(period, granularity) {
    if (granularity === "month") return period.slice(0, 7);
    if (granularity === "hour") return period.slice(0, 13).replace("T", " ") + "h";
    return period.slice(0, 10);
  }

  function seriesConfig(data) {
    const labels = data.points.map(function (p) { return label(p.period, data.granularity); });
    const currency = data.currency || "";
    return {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Upload", data: data.points.map(function (p) { return p.upload; }), stack: "bytes", yAxisID: "y" },
          { label: "Download", data: data.points.map(function (p) { return p.download; }), stack: "bytes", yAxisID: "y" },
          { label: "Billed " + currency, data: data.points.map(function (p) { return p.billed; }), type: "line", yAxisID: "billed", tension: 0.2 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { stacked: true, ticks: { callback: fmtBytes } },
          x: { stacked: true },
          billed: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: currency } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                if (ctx.dataset.yAxisID === "billed") return ctx.dataset.label + ": " + ctx.parsed.y.toFixed(4);
                return ctx.dataset.label + ": " + fmtBytes(ctx.parsed.y);
              }
            }
          }
        }
      }
    };
  }

  function breakdownConfig(data) {
    return {
      type: "bar",
      data: {
        labels: data.items.map(function (i) { return i.label; }),
        datasets: [
          { label: "Upload", data: data.items.map(function (i) { return i.upload; }), stack: "b" },
          { label: "Download", data: data.items.map(function (i) { return i.download; }), stack: "b" }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true, ticks: { callback: fmtBytes } }, y: { stacked: true } },
        plugins: { tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + fmtBytes(ctx.parsed.x); } } } },
        onClick: function (evt, elements) {
          if (!elements.length) return;
          const item = data.items[elements[0].index];
          if (item && item.url) window.location.href = item.url;
        }
      }
    };
  }

  // The chart's members as text under it (what the bars show, readable without the canvas).
  function listItems(name, items) {
    const list = document.querySelector("[data-chart-list='" + name + "']");
    if (!list) return;
    list.replaceChildren();
    items.forEach(function (item) {
      const li = document.createElement("li");
      const label = document.createElement(item.url ? "a" : "span");
      label.textContent = item.label;
      if (item.url) label.href = item.url;
      li.append(label, " \u2014 " + fmtBytes(item.total));
      list.append(li);
    });
  }

  function draw(canvas) {
    if (canvas.dataset.bound) return;
    canvas.dataset.bound = "1";
    const name = canvas.dataset.usageChart;
    const note = document.querySelector("[data-chart-note='" + name + "']");
    const summary = document.querySelector("[data-chart-summary='" + name + "']");
    fetch(canvas.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) { return resp.json().then(function (body) { return { ok: resp.ok, body: body }; }); })
      .then(function (res) {
        const data = res.body;
        if (!res.ok) {
          if (note) note.textContent = (data.errors || ["Cannot load the chart."]).join(" ");
          return;
        }
        const config = name === "series" ? seriesConfig(data) : breakdownConfig(data);
        canvas.chart = new window.Chart(canvas, config);
        canvas.dataset.points = String(name === "series" ? data.points.length : data.items.length);
        if (summary && data.totals) {
          summary.textContent = "total " + fmtBytes(data.totals.total) + " · up " + fmtBytes(data.totals.upload) +
            " · down " + fmtBytes(data.totals.download) + " · billed " + data.totals.billed.toFixed(2) + " " + (data.currency || "");
        }
        if (note) note.textContent = data.note || ((name !== "series" && !data.items.length) ? "No data in this window." : "");
        if (name !== "series") listItems(name, data.items);
        canvas.dispatchEvent(new CustomEvent("usageChartDrawn", { bubbles: true }));
      })
      .catch(function (err) { if (note) note.textContent = "Cannot load the chart: " + err; });
  }

  function scopeFields(form) {
    const scope = form.elements.scope;
    if (!scope) return;
    function update() {
      form.querySelectorAll("[data-scope-field]").forEach(function (el) {
        el.classList.toggle("d-none", el.dataset.scopeField !== scope.value);
      });
    }
    scope.addEventListener("change", update);
    update();
  }

  function init(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-usage-chart]").forEach(draw);
    const form = root.querySelector ? root.querySelector("#usage-form") : null;
    if (form && !form.dataset.bound) { form.dataset.bound = "1"; scopeFields(form); }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { init(evt.target); });
})();
