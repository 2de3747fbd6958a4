// chibo: the little the pages need beyond HTML. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A refused form: bring its explanation into view and to screen readers.
  const refusal = document.getElementById("refusal");
  if (refusal) refusal.focus();
  // "Add another" buttons clone the last block of a repeatable group (data-repeat).
  for (const button of document.querySelectorAll("button[data-repeat]")) {
    button.addEventListener("click", () => {
      const group = document.getElementById(button.dataset.repeat);
      const blocks = group.querySelectorAll("[data-block]");
      const last = blocks[blocks.length - 1];
      const copy = last.cloneNode(true);
      const index = blocks.length;
      for (const el of copy.querySelectorAll("[name], [id], [for]")) {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/\d+(?!.*\d)/, String(index)));
        }
        if (el.matches("input:not([type=checkbox]):not([type=radio]), textarea")) el.value = "";
        if (el.matches("input[type=checkbox], input[type=radio]")) el.checked = false;
      }
      last.after(copy);
      const first = copy.querySelector("input, textarea, select");
      if (first) first.focus();
    });
  }
});
