// Opening the pairing link pairs the device: the form submits itself once the page loads.
// (A link preview that does not run scripts cannot use the link up.)
document.getElementById("pair-form").submit();
