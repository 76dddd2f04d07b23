// Copy buttons: data-copy names the input whose value goes to the clipboard. No inline
// scripts: the Content-Security-Policy forbids them.
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (error) {
      document.execCommand("copy"); // where the clipboard API is not allowed (plain http)
    }
    button.textContent = gettext("Copied");
  });
});
