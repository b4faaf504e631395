// Small progressive enhancements for the enrollment pages; everything works without them.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#input-id" hidden> becomes visible when the clipboard works.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.setAttribute("aria-live", "polite");
    var label = button.textContent;
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "✓";
        setTimeout(function () { button.textContent = label; }, 1800);
      });
    });
  });

  // Address suggestions: clicking "anna-2" puts it into the address field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-slug]");
    if (!button) return;
    var input = document.getElementById("id_slug");
    if (!input) return;
    input.value = button.getAttribute("data-use-slug");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
})();
