// The dashboard's tabs scroll sideways on a phone. Bring the current one into
// view, and show a fading edge with an arrow on each side where more tabs are
// (data-more-before / data-more-after on the wrapper, styled in app.css); a tap
// on an arrow scrolls on. The arrows are hidden from assistive technology: the
// tabs are a list of links, each scrolled into view when it gets the focus.
(function () {
  "use strict";
  var wrap = document.querySelector("[data-dash-nav]");
  var nav = wrap && wrap.querySelector(".dash-nav");
  if (!nav) return;
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function update() {
    var max = nav.scrollWidth - nav.clientWidth;
    // scrollLeft may be fractional; a pixel of slack keeps the arrows from flickering.
    wrap.toggleAttribute("data-more-before", max > 1 && nav.scrollLeft > 1);
    wrap.toggleAttribute("data-more-after", max > 1 && nav.scrollLeft < max - 1);
  }

  var current = nav.querySelector("[aria-current=page]");
  if (current && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
  }
  wrap.querySelectorAll("[data-dash-nav-more]").forEach(function (arrow) {
    arrow.addEventListener("click", function () {
      var step = Number(arrow.getAttribute("data-dash-nav-more")) * nav.clientWidth * 0.7;
      nav.scrollBy({ left: step, behavior: reduce ? "auto" : "smooth" });
    });
  });
  nav.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  wrap.setAttribute("data-ready", "");
  update();
})();
