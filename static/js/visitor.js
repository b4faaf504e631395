// The per-visitor bits of a public page (landing page, shop), whose HTML is the
// same for everyone and cached by proxies: one request after load brings the form
// token, the cart count, the consent banner, messages and a signed-in user's menu.
// Without JavaScript the add-to-cart buttons open the product page instead.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-visitor-url");
  if (!url || !window.fetch) return;
  var next = location.pathname + location.search;
  url += (url.indexOf("?") < 0 ? "?" : "&") + "next=" + encodeURIComponent(next);

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function fill(name, html) {
    var slot = document.querySelector('[data-visitor="' + name + '"]');
    if (slot && html) slot.outerHTML = html;
  }

  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (me) {
      fill("cart", me.cart);
      fill("messages", me.messages);
      fill("account", me.account);
      fill("banner", me.banner);
      // A new visitor gets the token in the answer; others have it in the CSRF cookie.
      var token = me.csrf || cookie(me.csrf_cookie);
      document.querySelectorAll("form[data-post-action]").forEach(function (form) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        input.value = token;
        form.appendChild(input);
        form.method = "post";
        form.action = form.getAttribute("data-post-action");
      });
      document.body.setAttribute("data-visitor-ready", "");
    })
    .catch(function () { /* the page works without its per-visitor bits */ });
})();
