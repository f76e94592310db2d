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
})();
