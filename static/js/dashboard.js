/* Dashboard helpers, progressive enhancement only: without JavaScript the
   addresses stay in read-only inputs that can be selected and copied. */
(function () {
  "use strict";

  function copyText(input, button, status) {
    var done = function () {
      var original = button.dataset.originalText || button.textContent;
      button.dataset.originalText = original;
      button.textContent = button.dataset.copiedText || "Copied";
      if (status) { status.textContent = button.dataset.copiedText || "Copied"; }
      window.setTimeout(function () { button.textContent = original; }, 2000);
    };
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  }

  function init(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.copyReady) { return; }
      button.dataset.copyReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        if (input) { copyText(input, button, document.getElementById("copy-status")); }
      });
    });
    root.querySelectorAll("[data-copy-source]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();

/* Team tree: a node's "+" loads its children once (htmx); afterwards the same
   button folds and unfolds them without asking the server again. */
(function () {
  "use strict";
  function slotOf(toggle) { return document.getElementById(toggle.getAttribute("aria-controls")); }
  function mark(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? "\u2212" : "+";
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var toggle = event.detail.elt;
    if (!toggle || !toggle.hasAttribute || !toggle.hasAttribute("data-tree-toggle")) { return; }
    var slot = slotOf(toggle);
    if (slot && slot.childElementCount) {
      event.preventDefault();
      var open = toggle.getAttribute("aria-expanded") !== "true";
      slot.hidden = !open;
      mark(toggle, open);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (!slot || !slot.id || slot.id.indexOf("slot-") !== 0) { return; }
    var toggle = document.querySelector('[data-tree-toggle][aria-controls="' + slot.id + '"]');
    if (toggle) { slot.hidden = false; mark(toggle, true); }
  });
})();
