/* Draws a line or bar chart with the vendored Chart.js from data rendered by
   Django's json_script: <canvas data-chart="id-of-json-script" data-chart-type="line">.
   The same numbers are always in a table next to the chart. */
(function () {
  "use strict";
  var palette = ["#17614f", "#b4471b", "#1f5a8a", "#8a5200"];

  function draw(canvas) {
    if (!window.Chart) { return; }
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var type = canvas.dataset.chartType || "line";
    data.datasets.forEach(function (set, i) {
      var colour = palette[i % palette.length];
      set.data = set.data.map(Number);
      set.borderColor = colour;
      set.backgroundColor = type === "bar" ? colour + "cc" : colour + "33";
      set.tension = 0.25;
      set.fill = false;
    });
    new window.Chart(canvas, {
      type: type,
      data: data,
      options: {
        // Numbers in the page's language (1.234,5 in German), like the table.
        locale: document.documentElement.lang || undefined,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function init() { document.querySelectorAll("canvas[data-chart]").forEach(draw); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
