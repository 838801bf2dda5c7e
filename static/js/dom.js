// Small DOM helpers the live pages share (opening.js, evaluation.js): `fmt` fills a translated
// template's {names}; `el` builds an element with attributes and children, never through HTML
// (so nothing a bidder or a member wrote is ever parsed as markup); `money` and `capital` write
// an amount as people read it.
(function () {
  "use strict";

  const fmt = (template, values) =>
    String(template).replace(/\{(\w+)\}/g, (whole, key) =>
      values && values[key] !== undefined && values[key] !== null ? String(values[key]) : whole);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // a decimal string with thousands separators, its decimals as given (never through a float)
  function money(value) {
    if (value === null || value === undefined || value === "") return "—";
    const text = String(value);
    const sign = text.startsWith("-") ? "-" : "";
    const [whole, fraction] = text.replace(/^-/, "").split(".");
    return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (fraction !== undefined ? "." + fraction : "");
  }

  // an amount of yuan in Chinese capital numerals, as a bid form writes it (人民币大写, e.g.
  // 壹仟零叁拾伍万元整), by nzh (static/vendor/nzh.cn.min.js); "" where the library is missing
  // or the text is not an amount in yuan and fen
  function capital(value) {
    const text = String(value === null || value === undefined ? "" : value);
    if (!window.Nzh || !/^\d{1,16}(\.\d{1,2})?$/.test(text)) return "";
    const [whole, fraction = ""] = text.split(".");
    const fen = fraction.padEnd(2, "0");
    // nzh ends a whole amount with 整 only when it is written without decimals
    return window.Nzh.toMoney(fen === "00" ? whole : `${whole}.${fen}`, { outSymbol: false });
  }

  // a size in bytes as people read it, in decimal units like the pages' (Jinja's
  // filesizeformat): 512 Bytes, 12.3 kB, 204.8 MB; the number in the page's language
  function size(bytes) {
    const units = ["kB", "MB", "GB", "TB"];
    const number = (value, digits) =>
      new Intl.NumberFormat(document.documentElement.lang || undefined, {
        maximumFractionDigits: digits,
      }).format(value);
    if (!(bytes >= 1000)) return `${number(bytes || 0, 0)} Bytes`;
    let value = bytes;
    let unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return `${number(value, 1)} ${units[unit]}`;
  }

  // replace the element `selector` names with the same element of this page as the server now
  // renders it (a list after a change made by script), read from this same URL so that what the
  // script showed stays on screen; a failure leaves the element as it was (a reload shows it)
  async function refresh(selector) {
    try {
      const response = await fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector(selector);
      const current = document.querySelector(selector);
      if (current && fresh) current.replaceWith(document.importNode(fresh, true));
    } catch (cause) {
      // offline for a moment
    }
  }

  // a form refusal at its field (Bootstrap's is-invalid, aria-invalid, and the text of the
  // field's "<id>-error" feedback element); an empty message clears it
  function fieldError(input, message) {
    input.classList.toggle("is-invalid", Boolean(message));
    input.setAttribute("aria-invalid", message ? "true" : "false");
    const feedback = document.getElementById(`${input.id}-error`);
    if (feedback) feedback.textContent = message || "";
  }

  window.bidhallDom = { fmt, el, money, capital, size, refresh, fieldError };
})();
