// «Rapporter»: draws hours per week per project with Chart.js from the page's JSON
// (hours-chart-data). The same numbers are in the table under the chart.
(function () {
  "use strict";

  var canvas = document.getElementById("hours-chart");
  var source = document.getElementById("hours-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var locale = document.documentElement.lang || "nb";

  var chart = new window.Chart(canvas, {
    type: "bar",
    data: data,
    options: {
      locale: locale,
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true }
      },
      plugins: { legend: { position: "bottom" } }
    }
  });

  // What was drawn, for anyone checking the chart without reading pixels.
  var total = 0;
  chart.data.datasets.forEach(function (dataset) {
    dataset.data.forEach(function (value) { total += value; });
  });
  canvas.setAttribute("data-chart-datasets", String(chart.data.datasets.length));
  canvas.setAttribute("data-chart-weeks", String(chart.data.labels.length));
  canvas.setAttribute("data-chart-total", String(Math.round(total * 100) / 100));
})();
