// Small DOM helpers the live pages share (opening.js, evaluation.js): `fmt` fills a translated
// template's {names}; `el` builds an element with attributes and children, never through HTML
// (so nothing a bidder or a member wrote is ever parsed as markup).
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

  window.bidhallDom = { fmt, el };
})();
