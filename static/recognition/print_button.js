// The mustering page's print button (no inline scripts: the Content-Security-Policy forbids them).
document.getElementById("print-roll-call").addEventListener("click", () => window.print());
