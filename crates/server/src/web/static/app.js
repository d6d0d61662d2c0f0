// The only script of the Request app; every page works without it but for the copy button.
// A link with data-dialog opens that <dialog> (a confirmation) instead of its own confirmation page.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialog);
    if (dialog && dialog.showModal) {
      event.preventDefault();
      opener.closest("details")?.removeAttribute("open");
      dialog.showModal();
    }
  }
  const closer = event.target.closest("[data-close]");
  if (closer) closer.closest("dialog")?.close();
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const text = document.getElementById(copy.dataset.copy)?.textContent ?? "";
    navigator.clipboard?.writeText(text).then(() => { copy.textContent = "Copied"; });
  }
});
