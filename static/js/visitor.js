// The per-visitor bits of a public page (landing page, shop), whose HTML is the
// same for everyone and cached by proxies: one request after load brings the cart
// count, the consent banner, messages and a signed-in user's menu. The forms of the
// page (add to cart, consent) become POSTs with the visitor's form token: from the
// CSRF cookie, or, for a visitor who has none yet, asked for at the first submit.
// Without JavaScript the add-to-cart buttons open the product page instead.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-visitor-url");
  var tokenUrl = document.body.getAttribute("data-token-url");
  var csrfCookie = document.body.getAttribute("data-csrf-cookie");
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

  function setToken(form, token) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      form.appendChild(input);
    }
    input.value = token;
  }

  function resubmit(form, submitter) {
    if (form.requestSubmit) return form.requestSubmit(submitter || undefined);
    if (submitter && submitter.name) {  // form.submit() leaves out the pressed button
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      form.appendChild(input);
    }
    form.submit();
  }

  // The campaign and utm_* of the link that brought the visitor go with the
  // first action, where the referral is remembered (orders/referral.py).
  function linkParams(form) {
    var params = new URLSearchParams(location.search);
    params.forEach(function (value, key) {
      if ((key === "c" || key.indexOf("utm_") === 0) && !form.querySelector('input[name="' + key + '"]')) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = key;
        input.value = value;
        form.appendChild(input);
      }
    });
  }

  function upgrade(form) {
    var getAction = form.action;
    form.method = "post";
    form.action = form.getAttribute("data-post-action");
    if (window.URLSearchParams) linkParams(form);
    // Registered before htmx's own listener, so a form without its token yet is
    // held back (stopImmediatePropagation) until the token is there.
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-token")) return;
      var token = cookie(csrfCookie);
      if (token) return setToken(form, token);
      event.preventDefault();
      event.stopImmediatePropagation();
      fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          setToken(form, data.csrf);
          form.setAttribute("data-token", "");
          resubmit(form, event.submitter);
        })
        .catch(function () { form.method = "get"; form.action = getAction; form.submit(); });
    });
    // With htmx the customer stays on the page (a line under the button and the
    // cart count); without it the POST redirects back to this page.
    if (window.htmx && form.hasAttribute("hx-target")) {
      form.setAttribute("hx-post", form.action);
      window.htmx.process(form);
    }
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
      document.querySelectorAll("form[data-post-action]").forEach(function (form) {
        upgrade(form);
      });
      document.body.setAttribute("data-visitor-ready", "");
    })
    .catch(function () { /* the page works without its per-visitor bits */ });
})();
