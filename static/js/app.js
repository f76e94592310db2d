// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // Buttons marked data-print open the browser's print dialog.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-print]");
    if (el) { ev.preventDefault(); window.print(); }
  });
  // Forms marked data-confirm ask before submitting (the message is in the attribute,
  // already translated by the server).
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // A date input's written-out date (small.date-written, rendered by the server for the
  // value it sent) follows the date as it changes, in the page's language: the input
  // shows the date in the browser's locale, which may not be the reader's.
  function writeDate(input) {
    var out = document.getElementById(input.id + "-written");
    if (!out || !out.hasAttribute("data-months")) { return; }
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    var months = out.getAttribute("data-months").split("|");
    out.textContent = m && months[+m[2] - 1] ? (+m[3]) + " " + months[+m[2] - 1] + " " + m[1] : "";
  }
  function onDate(ev) {
    if (ev.target.matches && ev.target.matches("input[type=date]")) { writeDate(ev.target); }
  }
  document.addEventListener("input", onDate);
  document.addEventListener("change", onDate);
})();
