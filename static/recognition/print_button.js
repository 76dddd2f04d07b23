// Print buttons (the mustering roll call, a person's QR pass): any element with data-print.
// No inline scripts: the Content-Security-Policy forbids them.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
