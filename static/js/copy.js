// Copy buttons (order confirmation: IBAN, reference). Hidden without JavaScript,
// where the text itself can be selected and copied.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.innerHTML;
    var status = document.getElementById("copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = button.getAttribute("data-copied-text") || "Copied";
        if (status) status.textContent = button.textContent;
        window.setTimeout(function () { button.innerHTML = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(done, function () {});
      } else {
        var area = document.createElement("textarea");
        area.value = button.getAttribute("data-copy");
        area.setAttribute("readonly", "");
        area.style.position = "absolute";
        area.style.left = "-9999px";
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        document.body.removeChild(area);
        done();
      }
    });
  });
})();
