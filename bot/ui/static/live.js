// The live view: the run's facts, one server-sent event a second (one per response; EventSource comes back after retry); the page reloads when the job ends.
(function () {
  "use strict";
  var section = document.getElementById("live");
  if (!section || !window.EventSource) { return; }
  // Rendered while a job ran: if it ends before the first event arrives, the page must still reload.
  var wasRunning = section.getAttribute("data-running") === "ja" ? true : null;
  function fill(id, items) {
    var list = document.getElementById(id);
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
  }
  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  var source = new EventSource(section.getAttribute("data-events"));
  source.onmessage = function (event) {
    var data = JSON.parse(event.data);
    text("live-done", data.done + (data.total !== null ? " av " + data.total : ""));
    text("live-rate", data.rate);
    text("live-left", data.left);
    text("live-status", data.running ? (data.stop_asked ? "Pågår – stoppar efter pågående invånare." : "Pågår.") : "Klart.");
    fill("live-counts", data.counts.map(function (c) { return c[0] + ": " + c[1]; }));
    fill("live-notes", data.notes.concat(data.events));
    if (wasRunning === true && !data.running) { window.location.reload(); }
    wasRunning = data.running;
  };
  source.addEventListener("slut", function () {
    source.close();
    if (wasRunning) { window.location.reload(); }
  });
})();
