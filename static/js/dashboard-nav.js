// The dashboard's tabs scroll sideways on a phone: bring the current one into view.
(function () {
  "use strict";
  var current = document.querySelector(".dash-nav [aria-current=page]");
  var nav = current && current.closest(".dash-nav");
  if (!nav || nav.scrollWidth <= nav.clientWidth) return;
  nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
})();
