// Finds the elements the browser test helpers (browser.rs) act on, as a person would find them.
// arguments[0]: "link", "button" or "field" (a form control by its <label>); arguments[1]: the text.
// Returns {matches: [visible elements known by that text], candidates: [every visible one's text]}.
const [kind, wanted] = arguments;
const normalise = (text) => (text || "").replace(/\s+/g, " ").trim();
// Hidden elements (display: none, collapsed menus, hidden ancestors) have no layout boxes.
const visible = (element) => element.getClientRects().length > 0;

// A label's own text: without the text of controls inside it (a select's options, a textarea's content).
const labelText = (label) => {
  const copy = label.cloneNode(true);
  copy.querySelectorAll("select, textarea, input, button").forEach((control) => control.remove());
  return normalise(copy.textContent);
};

let candidates;
if (kind === "link") {
  candidates = [...document.querySelectorAll("a[href]")].map((a) => ({
    element: a,
    names: [normalise(a.innerText), normalise(a.getAttribute("aria-label"))],
  }));
} else if (kind === "button") {
  const selector = "button, input[type=submit], input[type=button]";
  candidates = [...document.querySelectorAll(selector)].map((button) => ({
    element: button,
    names: [
      normalise(button.tagName === "INPUT" ? button.value : button.innerText),
      normalise(button.getAttribute("aria-label")),
    ],
  }));
} else {
  // label.control resolves both `for=id` and a control wrapped in the label. A checkbox styled by hiding the
  // input is still found through its visible label.
  candidates = [...document.querySelectorAll("label")]
    .filter((label) => label.control && (visible(label) || visible(label.control)))
    .map((label) => ({ element: label.control, names: [labelText(label)], shown: label }));
}
const shown = candidates.filter((candidate) => visible(candidate.shown || candidate.element));
return {
  matches: shown.filter((candidate) => candidate.names.includes(wanted)).map((candidate) => candidate.element),
  candidates: shown.map((candidate) => candidate.names[0]),
};
